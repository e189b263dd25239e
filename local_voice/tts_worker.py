"""pyttsx3 in its own process: a hung or crashed engine is killed and restarted, never the app.

On Linux pyttsx3 2.98's espeak driver writes files through ffmpeg and plays through aplay, and
neither can be interrupted. We use pyttsx3's own espeak binding to collect the samples in
memory instead; other platforms' drivers (SAPI5, NSSS) write a WAV with save_to_file.
"""

from __future__ import annotations

import contextlib
import ctypes
import tempfile
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import numpy as np

ESPEAK_RATE = 22_050
#: espeak voice names per locale; other drivers match on the locale code.
ESPEAK_VOICES = {"en-GB": "English (Great Britain)", "en-US": "English (America)"}


class Pyttsx3Renderer:
    """Turns text into 16-bit mono samples with pyttsx3 2.98."""

    def __init__(self) -> None:
        import pyttsx3

        self.engine: Any = pyttsx3.init()
        self.driver: Any = self.engine.proxy._driver
        self.espeak = type(self.driver).__module__.endswith(".espeak")
        self._chunks: list[bytes] = []
        if self.espeak:
            from pyttsx3.drivers import _espeak

            self._espeak = _espeak
            callback_type = ctypes.CFUNCTYPE(
                ctypes.c_int,
                ctypes.POINTER(ctypes.c_short),
                ctypes.c_int,
                ctypes.POINTER(_espeak.EVENT),
            )
            self._callback = callback_type(self._collect)

    def _collect(self, wav: Any, count: int, _events: Any) -> int:
        if count > 0:
            self._chunks.append(ctypes.string_at(wav, count * 2))
        return 0

    def set_voice(self, voice: str) -> None:
        name = ESPEAK_VOICES.get(voice, voice)
        if not self.espeak:
            wanted = voice.lower().replace("-", "_")
            for candidate in self.engine.getProperty("voices"):
                langs = [str(lang).lower().replace("-", "_") for lang in candidate.languages]
                if wanted in langs or wanted in str(candidate.id).lower():
                    name = candidate.id
                    break
        with contextlib.suppress(ValueError, KeyError, OSError):  # default voice beats silence
            self._set("voice", name)

    def _set(self, name: str, value: object) -> None:
        """Engine.setProperty only queues until runAndWait; the espeak path never runs that."""
        if self.espeak:
            self.driver.setProperty(name, value)
        else:
            self.engine.setProperty(name, value)

    def render(self, text: str, rate: int, voice: str) -> tuple[bytes, int]:
        self.set_voice(voice)
        self._set("rate", rate)
        if self.espeak:
            return self._render_espeak(text), ESPEAK_RATE
        return self._render_file(text)

    def _render_espeak(self, text: str) -> bytes:
        espeak = self._espeak
        self._chunks = []
        espeak.SetSynthCallback(self._callback)
        espeak.Synth(text.encode("utf-8"), flags=espeak.ENDPAUSE | espeak.CHARS_UTF8)
        espeak.Synchronize()
        return b"".join(self._chunks)

    def _render_file(self, text: str) -> tuple[bytes, int]:
        import soundfile as sf

        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "segment.wav"
            self.engine.save_to_file(text, str(path))
            self.engine.runAndWait()
            data, rate = sf.read(str(path), dtype="int16", always_2d=True)
        return np.asarray(data.mean(axis=1), dtype=np.int16).tobytes(), int(rate)


def serve(conn: Connection) -> None:
    """Child-process loop: (text, rate, voice) in, ("ok", pcm, rate) or ("error", msg, 0) out."""
    try:
        renderer = Pyttsx3Renderer()
    except Exception as exc:  # report any start-up failure to the parent, then stop
        conn.send(("error", f"{type(exc).__name__}: {exc}", 0))
        return
    conn.send(("ready", b"", 0))
    while True:
        try:
            request = conn.recv()
        except EOFError:
            return
        if request is None:
            return
        text, rate, voice = request
        try:
            pcm, sample_rate = renderer.render(text, rate, voice)
            conn.send(("ok", pcm, sample_rate))
        except Exception as exc:  # the parent decides; the worker keeps serving
            conn.send(("error", f"{type(exc).__name__}: {exc}", 0))
