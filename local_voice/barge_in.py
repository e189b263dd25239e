"""Cutting speech off: a key press, or the word "stop" heard on the microphone while we talk."""

from __future__ import annotations

import contextlib
import select
import sys
import threading
from collections.abc import Iterator
from typing import TextIO

from local_voice.endpointing import Endpointer, EndpointSettings, Event
from local_voice.microphone import Microphone

STOP_WORDS = frozenset({"stop", "quiet", "enough"})
STOP_PHRASES = ("stop", "stop please", "please stop", "stop talking", "stop it", "be quiet",
                "quiet please", "that is enough", "enough")  # fmt: skip
MAX_STOP_WORDS = 4


@contextlib.contextmanager
def key_press_stops(stop: threading.Event, stream: TextIO | None = None) -> Iterator[None]:
    """While active, any key on a terminal sets `stop`; elsewhere it does nothing."""
    stream = stream or sys.stdin
    try:
        import termios
        import tty
    except ImportError:  # Windows: no termios; barge-in by voice still works
        yield
        return
    if not stream.isatty():
        yield
        return
    fd = stream.fileno()
    saved = termios.tcgetattr(fd)
    done = threading.Event()

    def watch() -> None:
        while not done.is_set() and not stop.is_set():
            ready, _, _ = select.select([fd], [], [], 0.05)
            if ready:
                sys.stdin.read(1)
                stop.set()

    tty.setcbreak(fd)
    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join(timeout=1)
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


class StopWordSpotter:
    """Hears "stop" said over our speech: short utterances decoded against a tiny stop model.

    pocketsphinx keyword spotting fired on "keep going" and "start" in our measurements; a small
    language model of stop phrases plus general words, and a length limit, does not.
    """

    def __init__(self) -> None:
        from local_voice.pocketsphinx_engine import PocketsphinxRecogniser

        phrases = [p.split() for p in STOP_PHRASES]
        self._recogniser = PocketsphinxRecogniser(phrases, general_words=2000, general_weight=0.6)
        self._settings = EndpointSettings(end_silence=0.4, max_turn=3.0, start_timeout=3600)

    def is_stop(self, pcm: bytes) -> bool:
        words = self._recogniser.transcribe(pcm).text.split()
        return len(words) <= MAX_STOP_WORDS and any(w in STOP_WORDS for w in words)

    def heard_in(self, frames: Iterator[bytes], stop: threading.Event) -> bool:
        """Listen until `stop` is set elsewhere, or a stop phrase is heard (then set it)."""
        endpointer = Endpointer(self._settings)
        speech: list[bytes] = []
        for frame in frames:
            if stop.is_set():
                return False
            event = endpointer.push(frame)
            if event is Event.START:
                speech = list(endpointer.pre_roll)
            elif endpointer.in_speech:
                speech.append(frame)
            if event in (Event.END, Event.MAX_TURN):
                if self.is_stop(b"".join(speech)):
                    stop.set()
                    return True
                endpointer.reset()
        return False


@contextlib.contextmanager
def spoken_stop(
    stop: threading.Event, mic: Microphone | None, spotter: StopWordSpotter | None
) -> Iterator[None]:
    """While active, saying a stop word into the microphone sets `stop`."""
    if mic is None or spotter is None:
        yield
        return
    thread = threading.Thread(target=spotter.heard_in, args=(mic.frames(), stop), daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=2)
