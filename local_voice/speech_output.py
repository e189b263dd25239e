"""Speaking replies: pyttsx3 renders in a child process, we play (and can cut) or write the audio.

Playback goes through sounddevice in blocks, so barge-in stops it within one block; synthesis
runs in a separate process that is killed and restarted if it hangs (pyttsx3 issues #22, #126).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Protocol

import numpy as np

from local_voice import tts_worker
from local_voice.audio import Audio, silence, write_wav
from local_voice.errors import SpeechOutputError

#: Words per minute at 100 %: slower than espeak's 175 so answers are easy to follow.
DEFAULT_RATE_WPM = 150
MIN_RATE_WPM, MAX_RATE_WPM = 80, 320
RENDER_TIMEOUT_S = 20.0


class SegmentLike(Protocol):
    """intents.reply.Segment: text plus the pause after it."""

    @property
    def text(self) -> str: ...

    @property
    def pause_ms(self) -> int: ...


def speech_rate(base_wpm: int, rate_percent: float = 100, rate_factor: float = 1.0) -> int:
    """Words per minute: the user's --rate, times their spoken preference, times the reply's."""
    wpm = base_wpm * (rate_percent / 100.0) * rate_factor
    return int(min(MAX_RATE_WPM, max(MIN_RATE_WPM, round(wpm))))


class Synthesiser:
    """pyttsx3 in a child process; start() early so the first reply is not delayed."""

    def __init__(self, voice: str = "en-GB", timeout: float = RENDER_TIMEOUT_S) -> None:
        self.voice = voice
        self.timeout = timeout
        self._process: BaseProcess | None = None
        self._conn: Connection | None = None
        # Re-entrant: a failed start closes the worker while holding the lock.
        self._lock = threading.RLock()

    def start(self) -> None:
        with self._lock:
            self._ensure_started()

    def _ensure_started(self) -> Connection:
        if self._process is not None and self._process.is_alive() and self._conn is not None:
            return self._conn
        context = multiprocessing.get_context("spawn")
        parent, child = context.Pipe()
        process = context.Process(target=tts_worker.serve, args=(child,), daemon=True)
        process.start()
        child.close()
        self._process, self._conn = process, parent
        status, payload, _ = self._receive(parent)
        message = payload.decode(errors="replace") if isinstance(payload, bytes) else payload
        if status != "ready":
            self.close()
            raise SpeechOutputError(
                f"Speech output could not start ({message}). On Linux install espeak-ng "
                "(sudo apt install espeak-ng); replies are still printed."
            )
        return parent

    def _receive(self, conn: Connection) -> tuple[str, bytes | str, int]:
        if not conn.poll(self.timeout):
            self.close()
            raise SpeechOutputError("Speech synthesis stopped responding; it will be restarted.")
        try:
            status, payload, rate = conn.recv()
        except (EOFError, OSError) as exc:
            self.close()
            raise SpeechOutputError(f"Speech synthesis crashed ({exc}); it will restart.") from exc
        return status, payload, rate

    def render(self, text: str, rate_wpm: int) -> Audio:
        """Samples for one segment of speech, at the synthesiser's own sample rate."""
        with self._lock:
            conn = self._ensure_started()
            conn.send((text, rate_wpm, self.voice))
            status, payload, sample_rate = self._receive(conn)
        if status != "ok" or not isinstance(payload, bytes):
            raise SpeechOutputError(f"Speech synthesis failed: {payload!r}")
        return Audio(np.frombuffer(payload, dtype=np.int16).copy(), sample_rate)

    def close(self) -> None:
        """Stop the worker; safe while the warm-up thread is still starting it."""
        with self._lock:
            conn, process = self._conn, self._process
            self._process, self._conn = None, None
        if conn is not None:
            with contextlib.suppress(OSError, ValueError):
                conn.send(None)
            conn.close()
        if process is not None:
            process.join(timeout=1)
            if process.is_alive():
                process.kill()
                process.join(timeout=1)


@dataclass(frozen=True)
class SpokenSegment:
    """One rendered stretch of speech and the silence after it."""

    audio: Audio
    pause_ms: int

    def samples(self) -> np.ndarray:
        return np.concatenate([self.audio.samples, silence(self.pause_ms, self.audio.sample_rate)])


def render_segments(
    synth: Synthesiser, segments: Sequence[SegmentLike], rate_wpm: int
) -> Iterator[SpokenSegment]:
    """Render lazily, one segment at a time: the first can play while the rest are made."""
    rate = 0
    for segment in segments:
        if segment.text.strip():
            audio = synth.render(segment.text, rate_wpm)
            rate = audio.sample_rate
            yield SpokenSegment(audio, segment.pause_ms)
        elif segment.pause_ms > 0:
            sample_rate = rate or tts_worker.ESPEAK_RATE
            yield SpokenSegment(Audio(np.zeros(0, np.int16), sample_rate), segment.pause_ms)


class WavOutput:
    """--say-to DIR: each reply becomes reply-001.wav, reply-002.wav ... with pauses as silence."""

    def __init__(self, synth: Synthesiser, folder: Path) -> None:
        self.synth = synth
        self.folder = folder
        self.count = 0
        self.first_audio_at = 0.0
        folder.mkdir(parents=True, exist_ok=True)

    def speak(self, segments: Sequence[SegmentLike], rate_wpm: int) -> bool:
        parts: list[SpokenSegment] = []
        for part in render_segments(self.synth, segments, rate_wpm):
            if not parts:
                self.first_audio_at = time.perf_counter()
            parts.append(part)
        self.count += 1
        rate = parts[0].audio.sample_rate if parts else tts_worker.ESPEAK_RATE
        samples = np.concatenate([p.samples() for p in parts]) if parts else silence(100, rate)
        write_wav(self.folder / f"reply-{self.count:03d}.wav", Audio(samples, rate))
        return True

    def close(self) -> None:
        self.synth.close()
