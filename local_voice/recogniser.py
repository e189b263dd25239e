"""The small interface both speech recognisers sit behind; the loop never knows which runs."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Protocol


@dataclass(frozen=True)
class Transcript:
    """What a recogniser heard in one turn."""

    text: str
    """Lower-case words, empty when nothing was recognised."""

    engine: str
    """"vosk" or "pocketsphinx"."""

    open_vocabulary: bool
    """True when decoded without the catalog biasing (free speech)."""

    audio_seconds: float = 0.0
    decode_seconds: float = 0.0
    """Time spent in finish(): the part the user waits for after they stop talking."""

    alternatives: tuple[str, ...] = ()
    """Other readings, best first (the n-best list), when the engine gives them."""

    def for_utterance(self, pcm: bytes, started: float) -> Transcript:
        """This result, timed over a whole utterance of 16 kHz 16-bit PCM decoded since started."""
        return replace(
            self, audio_seconds=len(pcm) / 32_000, decode_seconds=time.perf_counter() - started
        )


class Recogniser(Protocol):
    """Streaming speech-to-text: start a turn, feed audio as it arrives, finish for the text."""

    name: str
    """Engine name for messages and --json output."""

    def describe(self) -> str:
        """One line for the user: engine, model and how to get a better one."""

    def start(self, open_vocabulary: bool = False) -> None:
        """Begin a turn; open_vocabulary drops the catalog biasing for free speech."""

    def feed(self, pcm: bytes) -> None:
        """Accept 16 kHz mono 16-bit PCM."""

    def partial(self) -> str:
        """Best guess so far, for display while the user speaks."""

    def finish(self) -> Transcript:
        """End the turn and return the final transcript."""

    def transcribe(self, pcm: bytes, open_vocabulary: bool = False) -> Transcript:
        """Decode one whole utterance (a file, or audio already cut by the endpointer)."""
