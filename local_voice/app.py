"""The offline conversation loop: a turn comes in (typed, a WAV file, the microphone), the core
answers, the reply is printed and spoken.

Privacy: nothing the user says is written anywhere unless `--save-transcripts DIR` is given;
the log carries intent names and timings only.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from intents.content import content_for
from intents.conversation import STEERING, Conversation
from intents.reply import Reply, Segment
from intents.understanding import understand
from local_voice.audio import read_wav
from local_voice.endpointing import Endpointer, EndpointSettings, Event, speech_seconds
from local_voice.errors import VoiceError
from local_voice.letters import default_folder, save_letter
from local_voice.microphone import Microphone
from local_voice.readings import best_reading
from local_voice.recogniser import Recogniser
from local_voice.speech_output import DEFAULT_RATE_WPM, SegmentLike, speech_rate

log = logging.getLogger("local_voice")
#: Less speech than this in a file or turn is treated as silence (a cough, a click).
MIN_SPEECH_S = 0.2
NOTHING_HEARD = "(nothing heard)"
#: Free speech this short may be a command instead (see steered()).
MAX_COMMAND_WORDS = 3


class ReplyOutput(Protocol):
    first_audio_at: float

    def speak(self, segments: Sequence[SegmentLike], rate_wpm: int) -> bool: ...

    def close(self) -> None: ...


@dataclass
class TranscriptLog:
    """--save-transcripts: one JSON line per turn in a file named after the session start."""

    folder: Path
    path: Path = field(init=False)

    def __post_init__(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        self.path = self.folder / f"transcript-{stamp}.jsonl"

    def write(self, entry: dict[str, Any]) -> None:
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry, ensure_ascii=False) + "\n")


@dataclass
class Settings:
    locale: str = "en-GB"
    rate_wpm: int = DEFAULT_RATE_WPM
    endpoint: EndpointSettings = field(default_factory=EndpointSettings)
    transcripts: TranscriptLog | None = None
    show_partials: bool = False
    opening: tuple[str, dict[str, str]] | None = None
    """The first turn instead of the greeting, e.g. ("RehearseIntent", {"topic": ...})."""
    letters_dir: Path | None = None
    """Where a letter goes when the user asks to save it (default: their documents folder)."""


class VoiceSession:
    """One conversation: prints and speaks every reply, keeps the core's state."""

    def __init__(
        self,
        conversation: Conversation,
        output: ReplyOutput | None,
        settings: Settings,
        echo: Callable[[str], None] = print,
    ) -> None:
        self.conversation = conversation
        self.output = output
        self.settings = settings
        self.echo = echo
        self.last: Reply | None = None
        self.turns = 0

    @property
    def expects_free_text(self) -> bool:
        return self.conversation.expects_free_text

    @property
    def ended(self) -> bool:
        return self.conversation.ended

    def begin(self) -> Reply:
        opening = self.settings.opening
        if opening is None:
            return self.deliver(self.conversation.start())
        return self.deliver(self.conversation.handle(*opening))

    def answer(self, text: str | None, speech_s: float = 0.0, source: str = "") -> Reply:
        """Hand a turn to the core; None means nothing was heard, so offer the reprompt."""
        self.turns += 1
        started = time.perf_counter()
        if text is None or not text.strip():
            self.echo(f"you: {NOTHING_HEARD}")
            reply = self._reprompt()
        else:
            self.echo(f"you: {text}")
            reply = self.conversation.say(text, speech_seconds=speech_s)
        log.info(
            "turn %d intent=%s core_ms=%.0f",
            self.turns,
            reply.intent,
            (time.perf_counter() - started) * 1000,
        )
        if self.settings.transcripts is not None:
            self.settings.transcripts.write(
                {
                    "turn": self.turns,
                    "source": source,
                    "heard": text or "",
                    "intent": reply.intent,
                    "reply": reply.text,
                }
            )
        return self.deliver(reply)

    def _reprompt(self) -> Reply:
        previous = self.last
        segments = previous.reprompt if previous and previous.reprompt else ()
        if not segments:
            segments = (Segment("Sorry, I didn't hear anything. Take your time and try again."),)
        return Reply(speech=tuple(segments), intent="NoInput", state=self.conversation.state)

    def deliver(self, reply: Reply) -> Reply:
        self.last = reply
        if reply.save_document:
            reply = self._save(reply)
        self.echo(f"app: {reply.text}")
        if self.output is not None and reply.speech:
            rate = speech_rate(
                self.settings.rate_wpm,
                float(self.conversation.state.get("rate", 100)),
                reply.rate_factor,
            )
            started = time.perf_counter()
            finished = self.output.speak(reply.speech, rate)
            log.info(
                "spoke intent=%s first_audio_ms=%.0f interrupted=%s",
                reply.intent,
                (self.output.first_audio_at - started) * 1000,
                not finished,
            )
        return reply

    def _save(self, reply: Reply) -> Reply:
        """The user asked to save the letter: write it where they chose, and say where."""
        folder = self.settings.letters_dir or default_folder()
        try:
            path = save_letter(reply.save_document, folder)
        except VoiceError as exc:
            self.echo(f"error: {exc}")
            return reply
        said = content_for(self.settings.locale).prompts["letter_saved"]
        saved = tuple(Segment(text.format(path=path)) for text in said)
        return replace(reply, speech=(*saved, *reply.speech))


def run_text(session: VoiceSession, lines: Iterable[str]) -> None:
    """Typed turns: each line is one thing the user says."""
    session.begin()
    for line in lines:
        session.answer(line.strip(), source="text")
        if session.ended:
            return


def hear_file(recogniser: Recogniser, path: Path, max_turn: float, free: bool) -> str | None:
    """One WAV file as one turn: None when it holds no speech."""
    turn = read_wav(path, max_seconds=max_turn)
    if turn.truncated_from is not None:
        print(
            f"note: {path} is {turn.truncated_from:.0f} s long; only the first "
            f"{max_turn:.0f} s were used (--max-turn).",
            file=sys.stderr,
        )
    if speech_seconds(turn.audio) < MIN_SPEECH_S:
        return None
    pcm = turn.audio.pcm()
    transcript = recogniser.transcribe(pcm, open_vocabulary=free)
    if free:
        return steered(recogniser, pcm, transcript.text)
    return best_reading(transcript, understand)


def steered(recogniser: Recogniser, pcm: bytes, free_text: str) -> str:
    """Free speech is decoded without the catalog's biasing, which mishears short commands
    ("next", "start over"); a short answer is decoded biased too and kept if it is one."""
    if len(free_text.split()) > MAX_COMMAND_WORDS:
        return free_text
    biased = recogniser.transcribe(pcm, open_vocabulary=False).text
    recognition = understand(biased)
    is_command = recognition.intent in STEERING and recognition.confidence >= 0.99
    return biased if is_command else free_text


def run_wav(session: VoiceSession, recogniser: Recogniser, paths: Sequence[Path]) -> int:
    """Each file is one user turn of the same conversation; returns how many files failed."""
    session.begin()
    failed = 0
    for path in paths:
        try:
            text = hear_file(
                recogniser, path, session.settings.endpoint.max_turn, session.expects_free_text
            )
        except VoiceError as exc:
            print(f"error: {exc}", file=sys.stderr)
            failed += 1
            continue
        session.answer(text, source=path.name)
        if session.ended:
            break
    return failed


def hear_turn(
    mic: Microphone, recogniser: Recogniser, settings: Settings, free: bool
) -> tuple[str | None, float]:
    """Listen until the speaker has been quiet for end_silence (or max_turn), then decode."""
    endpointer = Endpointer(settings.endpoint)
    mic.drain()
    recogniser.start(open_vocabulary=free)
    shown = ""
    heard: list[bytes] = []
    for frame in mic.frames():
        event = endpointer.push(frame)
        if event is Event.TIMEOUT:
            recogniser.finish()
            return None, 0.0
        if event is Event.START:
            heard.append(b"".join(endpointer.pre_roll))
            recogniser.feed(heard[-1])
        elif endpointer.in_speech:
            heard.append(frame)
            recogniser.feed(frame)
        if settings.show_partials and endpointer.in_speech and endpointer.frames % 10 == 0:
            shown = _show_partial(recogniser.partial(), shown)
        if event in (Event.END, Event.MAX_TURN):
            break
    if settings.show_partials and shown:
        sys.stderr.write("\r\033[K")
    spoken = endpointer.speech_frames * 0.03 - settings.endpoint.end_silence
    result = recogniser.finish()
    if spoken < MIN_SPEECH_S:
        return None, 0.0
    if free:
        return steered(recogniser, b"".join(heard), result.text), spoken
    return best_reading(result, understand), spoken


def _show_partial(partial: str, shown: str) -> str:
    if partial and partial != shown:
        sys.stderr.write("\r\033[K… " + partial[-70:])
        sys.stderr.flush()
    return partial


def run_microphone(session: VoiceSession, recogniser: Recogniser, mic: Microphone) -> None:
    session.begin()
    while not session.ended:
        text, spoken = hear_turn(mic, recogniser, session.settings, session.expects_free_text)
        session.answer(text, speech_s=spoken, source="microphone")
