"""Rendering a rehearsal script to audio for listening away from the screen.

The steps are the very replies the Alexa skill speaks (model line, a timed pause for the
user's turn, encouragement), rendered by the same pyttsx3 synthesiser as the voice app.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from intents import rehearsal_flow
from intents.rehearsal import Script
from intents.reply import DEFAULT_RATE, Segment
from intents.turn import Turn
from local_voice.audio import Audio, write_wav
from local_voice.speech_output import Synthesiser, render_segments, speech_rate


@dataclass(frozen=True)
class Export:
    """What was written."""

    steps: tuple[Path, ...]
    """One WAV per step, in order; the first also holds the introduction."""

    combined: Path
    """All steps in one file."""

    playlist: Path
    """An M3U playlist of the step files."""

    seconds: float
    """Duration of the combined file."""


def step_replies(script: Script, locale: str) -> list[tuple[Segment, ...]]:
    """The speech of every step, exactly as the skill would say it."""
    turn = Turn(intent="RehearseIntent", locale=locale)
    replies = [rehearsal_flow.start(turn, script)]
    replies += [rehearsal_flow.step_reply(turn, script, i) for i in range(1, len(script.steps))]
    return [reply.speech for reply in replies]


def export(
    script: Script,
    folder: Path,
    synth: Synthesiser,
    rate_wpm: int,
    locale: str = "en-GB",
    progress: Callable[[int], None] = lambda done: None,
) -> Export:
    folder.mkdir(parents=True, exist_ok=True)
    wpm = speech_rate(rate_wpm, DEFAULT_RATE)
    paths, chunks, sample_rate = [], [], 0
    for number, speech in enumerate(step_replies(script, locale), start=1):
        parts = list(render_segments(synth, speech, wpm))
        sample_rate = parts[0].audio.sample_rate
        samples = np.concatenate([part.samples() for part in parts])
        path = folder / f"{script.id}-step-{number:02d}.wav"
        write_wav(path, Audio(samples, sample_rate))
        paths.append(path)
        chunks.append(samples)
        progress(number)
    combined = folder / f"{script.id}-all-steps.wav"
    write_wav(combined, Audio(np.concatenate(chunks), sample_rate))
    playlist = folder / f"{script.id}.m3u"
    playlist.write_text("#EXTM3U\n" + "".join(f"{p.name}\n" for p in paths), encoding="utf-8")
    seconds = sum(len(c) for c in chunks) / sample_rate
    return Export(tuple(paths), combined, playlist, seconds)
