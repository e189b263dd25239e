"""Wiring `listen`: pick the input, the recogniser and the output, then run the loop."""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from intents.conversation import Conversation
from intents.progress_store import ProgressStore, ProgressStoreError
from local_voice.app import (
    ReplyOutput,
    Settings,
    TranscriptLog,
    VoiceSession,
    run_microphone,
    run_text,
    run_wav,
)
from local_voice.endpointing import EndpointSettings
from local_voice.engines import make_recogniser
from local_voice.errors import AudioError, SpeechOutputError
from local_voice.microphone import Microphone
from local_voice.recogniser import Recogniser
from local_voice.speech_output import DEFAULT_RATE_WPM, Synthesiser, WavOutput


@dataclass
class ListenOptions:
    wavs: list[Path] = field(default_factory=list)
    typed: bool = False
    engine: str = "auto"
    model: Path | None = None
    say_to: Path | None = None
    rate: int | None = None
    end_silence: float = 1.0
    max_turn: float = 30.0
    save_transcripts: Path | None = None
    locale: str = "en-GB"
    opening: tuple[str, dict[str, str]] | None = None
    letters_dir: Path | None = None
    profile: str = "local:default"


def _settings(options: ListenOptions) -> Settings:
    endpoint = EndpointSettings(end_silence=options.end_silence, max_turn=options.max_turn)
    transcripts = TranscriptLog(options.save_transcripts) if options.save_transcripts else None
    return Settings(
        locale=options.locale,
        rate_wpm=options.rate or DEFAULT_RATE_WPM,
        endpoint=endpoint.check(),
        transcripts=transcripts,
        show_partials=sys.stderr.isatty(),
        opening=options.opening,
        letters_dir=options.letters_dir,
    )


def _output(options: ListenOptions, mic: Microphone | None) -> ReplyOutput | None:
    synth = Synthesiser(voice=options.locale)
    threading.Thread(target=_warm_up, args=(synth,), daemon=True).start()
    if options.say_to is not None:
        return WavOutput(synth, options.say_to)
    try:
        from local_voice.playback import SpeakerOutput

        return SpeakerOutput(synth, mic=mic, keys=not options.typed)
    except AudioError as exc:
        print(f"note: {exc}", file=sys.stderr)
        synth.close()
        return None


def _warm_up(synth: Synthesiser) -> None:
    """Start pyttsx3 while the recogniser loads; a failure shows up on first use instead."""
    with contextlib.suppress(SpeechOutputError):
        synth.start()


def _typed_lines() -> Iterator[str]:
    interactive = sys.stdin.isatty()
    while True:
        try:
            line = input("you> ") if interactive else sys.stdin.readline()
        except EOFError:
            return
        if not interactive and not line:
            return
        yield line


def _recogniser(options: ListenOptions) -> Recogniser:
    recogniser = make_recogniser(options.engine, options.model)
    print(recogniser.describe(), file=sys.stderr)
    return recogniser


def _progress_store() -> ProgressStore | None:
    """Where rehearsal progress is kept between conversations; without it, still answer."""
    store = ProgressStore()
    try:
        store.load("local:check")
    except ProgressStoreError as exc:
        print(f"note: {exc}", file=sys.stderr)
        return None
    return store


def run_listen(options: ListenOptions) -> int:
    """Run one conversation; returns the number of WAV files that could not be used."""
    settings = _settings(options)
    mic = None
    if not options.typed and not options.wavs:
        mic = Microphone()
        mic.open()  # fails at once with the --wav / --text hint when there is no microphone
    output = _output(options, mic)
    conversation = Conversation(
        locale=options.locale, surface="offline", store=_progress_store(), profile=options.profile
    )
    session = VoiceSession(conversation, output, settings)
    try:
        if options.typed:
            run_text(session, _typed_lines())
            return 0
        recogniser = _recogniser(options)
        if options.wavs:
            return run_wav(session, recogniser, options.wavs)
        assert mic is not None
        run_microphone(session, recogniser, mic)
        return 0
    finally:
        if output is not None:
            output.close()
        if mic is not None:
            mic.close()
