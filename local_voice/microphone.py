"""Microphone input through sounddevice (PortAudio), as 30 ms frames of 16 kHz mono PCM."""

from __future__ import annotations

import queue
from collections.abc import Iterator
from types import ModuleType, TracebackType
from typing import Any

from local_voice.audio import SAMPLE_RATE
from local_voice.errors import AudioError

FRAME_MS = 30
FRAME_BYTES = SAMPLE_RATE * FRAME_MS // 1000 * 2
NO_MIC_HINT = "Use `listen --wav FILE...` to answer with recordings, or `listen --text` to type."


def import_sounddevice() -> ModuleType:
    """sounddevice, or a clear error when PortAudio itself is missing."""
    try:
        import sounddevice
    except OSError as exc:  # raised when libportaudio cannot be loaded
        raise AudioError(
            "PortAudio is not installed, so there is no microphone or speaker access "
            f"(on Debian/Ubuntu: sudo apt install libportaudio2). {NO_MIC_HINT}"
        ) from exc
    return sounddevice


class Microphone:
    """Opens the default input device; frames() yields audio until close()."""

    def __init__(self, device: int | str | None = None) -> None:
        self._sd = import_sounddevice()
        self._device = device
        self._queue: queue.Queue[bytes] = queue.Queue(maxsize=2000)
        self._stream: Any = None
        self.overflows = 0

    def __enter__(self) -> Microphone:
        self.open()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def open(self) -> None:
        sd = self._sd
        try:
            sd.check_input_settings(device=self._device, channels=1, samplerate=SAMPLE_RATE)
            self._stream = sd.RawInputStream(
                samplerate=SAMPLE_RATE,
                blocksize=FRAME_BYTES // 2,
                device=self._device,
                channels=1,
                dtype="int16",
                callback=self._callback,
            )
            self._stream.start()
        except (sd.PortAudioError, ValueError) as exc:
            raise AudioError(f"No usable microphone ({exc}). {NO_MIC_HINT}") from exc

    def _callback(self, data: Any, _frames: int, _time: Any, status: Any) -> None:
        if status:
            self.overflows += 1
        try:
            self._queue.put_nowait(bytes(data))
        except queue.Full:
            self.overflows += 1

    def frames(self, timeout: float = 2.0) -> Iterator[bytes]:
        """Frames as they arrive; stops if the device goes quiet for `timeout` seconds."""
        while self._stream is not None:
            try:
                yield self._queue.get(timeout=timeout)
            except queue.Empty:
                raise AudioError(f"The microphone stopped sending audio. {NO_MIC_HINT}") from None

    def drain(self) -> None:
        """Drop audio captured while we were speaking, so our own voice is not a turn."""
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                return

    def close(self) -> None:
        if self._stream is not None:
            self._stream.stop()
            self._stream.close()
            self._stream = None
