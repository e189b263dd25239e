"""Playing replies on the speakers in short blocks, so a key press or "stop" cuts them off."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Sequence

import numpy as np

from local_voice.barge_in import StopWordSpotter, key_press_stops, spoken_stop
from local_voice.errors import AudioError, SpeechOutputError
from local_voice.microphone import Microphone, import_sounddevice
from local_voice.speech_output import SegmentLike, Synthesiser, render_segments
from local_voice.tts_worker import ESPEAK_RATE

BLOCK_S = 0.05


def check_speakers() -> None:
    """Raise AudioError with a hint when there is no usable output device."""
    sd = import_sounddevice()
    try:
        sd.check_output_settings(channels=1, samplerate=ESPEAK_RATE, dtype="int16")
    except (sd.PortAudioError, ValueError) as exc:
        raise AudioError(
            f"No usable speaker or headphones ({exc}). Replies will be printed only; "
            "use --say-to DIR to save them as WAV files."
        ) from exc


class SpeakerOutput:
    """Speaks through the default output device; returns False when interrupted."""

    def __init__(self, synth: Synthesiser, mic: Microphone | None = None, keys: bool = True):
        check_speakers()
        self._sd = import_sounddevice()
        self.synth = synth
        self.mic = mic
        self.keys = keys
        self.first_audio_at = 0.0
        # built once (about 0.5 s), not per reply: it listens for "stop" during playback
        self.spotter = StopWordSpotter() if mic is not None else None

    def speak(self, segments: Sequence[SegmentLike], rate_wpm: int) -> bool:
        stop = threading.Event()
        with contextlib.ExitStack() as stack:
            if self.keys:
                stack.enter_context(key_press_stops(stop))
            stack.enter_context(spoken_stop(stop, self.mic, self.spotter))
            for index, segment in enumerate(render_segments(self.synth, segments, rate_wpm)):
                if index == 0:
                    self.first_audio_at = time.perf_counter()
                if not self._play(segment.samples(), segment.audio.sample_rate, stop):
                    return False
        return True

    def _play(self, samples: np.ndarray, rate: int, stop: threading.Event) -> bool:
        block = max(1, int(rate * BLOCK_S))
        try:
            with self._sd.OutputStream(samplerate=rate, channels=1, dtype="int16") as stream:
                for start in range(0, len(samples), block):
                    if stop.is_set():
                        stream.abort()
                        return False
                    stream.write(np.ascontiguousarray(samples[start : start + block]))
        except self._sd.PortAudioError as exc:
            raise SpeechOutputError(f"Audio playback failed ({exc}).") from exc
        return True

    def close(self) -> None:
        self.synth.close()
