"""Deciding when a turn starts and ends, with generous time for people who hesitate.

Uses the WebRTC-style voice activity detector that ships in pocketsphinx, for both engines, so
the relaxed end-of-speech (about 1 s of silence by default) behaves the same whichever runs.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

import numpy as np
from pocketsphinx import Vad

from local_voice.audio import SAMPLE_RATE, Audio

FRAME_S = 0.03
FRAME_BYTES = int(SAMPLE_RATE * FRAME_S) * 2
#: Speech must be this much louder than the tracked noise floor (about 10 dB).
GATE_RATIO = 3.0
#: Starting noise floor (RMS, about -44 dBFS) until the room has been heard.
INITIAL_FLOOR = 200.0


class SpeechDetector:
    """The VAD's verdict, gated by loudness over the room's noise floor.

    In our measurements the VAD alone kept calling steady noise "speech" once someone had
    spoken, so a turn in a real room would never end; the gate fixes that.
    """

    def __init__(self, vad_mode: int = Vad.LOOSE) -> None:
        self._vad = Vad(vad_mode, SAMPLE_RATE, FRAME_S)
        self.floor = INITIAL_FLOOR

    def is_speech(self, frame: bytes) -> bool:
        if len(frame) != FRAME_BYTES:
            return False
        samples = np.frombuffer(frame, dtype="<i2").astype(np.float64)
        rms = float(np.sqrt(np.mean(samples**2))) + 1.0
        loud = rms > self.floor * GATE_RATIO
        # fall fast to quieter frames, rise slowly (about 3 dB per second) towards louder ones
        self.floor = 0.7 * self.floor + 0.3 * rms if rms < self.floor else self.floor * 1.01
        return loud and self._vad.is_speech(frame)


@dataclass(frozen=True)
class EndpointSettings:
    end_silence: float = 1.0
    """Seconds of silence that end a turn; relaxed so a pause to think does not cut you off."""

    max_turn: float = 30.0
    """A turn is cut here even if the speaker goes on."""

    start_timeout: float = 10.0
    """Seconds of waiting for speech before the app offers help again."""

    speech_start: float = 0.15
    """Seconds of speech that count as the start of a turn (ignores clicks and coughs)."""

    pre_roll: float = 0.3
    """Audio kept from before the start, so the first word is not clipped."""

    def check(self) -> EndpointSettings:
        if not 0.2 <= self.end_silence <= 10:
            raise ValueError("--end-silence must be between 0.2 and 10 seconds")
        if not 1 <= self.max_turn <= 600:
            raise ValueError("--max-turn must be between 1 and 600 seconds")
        return self


class Event(Enum):
    NONE = "none"
    START = "start"
    END = "end"
    MAX_TURN = "max_turn"
    TIMEOUT = "timeout"


class Endpointer:
    """Feed 30 ms frames; it says when speech starts and when the turn is over."""

    def __init__(self, settings: EndpointSettings, vad_mode: int = Vad.LOOSE) -> None:
        self.settings = settings
        self._detector = SpeechDetector(vad_mode)
        self.reset()

    def reset(self) -> None:
        self.in_speech = False
        self.frames = 0
        self.speech_frames = 0
        self.silent_frames = 0
        start_frames = max(1, round(self.settings.speech_start / FRAME_S))
        self._recent: deque[bool] = deque(maxlen=start_frames)
        self.pre_roll: deque[bytes] = deque(maxlen=max(1, round(self.settings.pre_roll / FRAME_S)))

    def push(self, frame: bytes) -> Event:
        self.frames += 1
        speech = self._detector.is_speech(frame)
        if not self.in_speech:
            return self._waiting(frame, speech)
        self.speech_frames += 1
        self.silent_frames = 0 if speech else self.silent_frames + 1
        if self.silent_frames * FRAME_S >= self.settings.end_silence:
            return Event.END
        if self.speech_frames * FRAME_S >= self.settings.max_turn:
            return Event.MAX_TURN
        return Event.NONE

    def _waiting(self, frame: bytes, speech: bool) -> Event:
        self.pre_roll.append(frame)
        self._recent.append(speech)
        full = len(self._recent) == self._recent.maxlen
        if full and sum(self._recent) >= 0.8 * len(self._recent):
            self.in_speech = True
            return Event.START
        if self.frames * FRAME_S >= self.settings.start_timeout:
            return Event.TIMEOUT
        return Event.NONE


def frames_of(audio: Audio) -> Iterable[bytes]:
    pcm = audio.pcm()
    for start in range(0, len(pcm) - FRAME_BYTES + 1, FRAME_BYTES):
        yield pcm[start : start + FRAME_BYTES]


def speech_seconds(audio: Audio, vad_mode: int = Vad.LOOSE) -> float:
    """How much of a recording is speech: a file of silence or hum is no question at all."""
    detector = SpeechDetector(vad_mode)
    return sum(FRAME_S for frame in frames_of(audio) if detector.is_speech(frame))
