"""pyttsx3 output: real speech, rate control, pauses as silence, a restartable worker."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from intents.reply import Segment
from local_voice.audio import read_wav
from local_voice.endpointing import speech_seconds
from local_voice.speech_output import Synthesiser, WavOutput, speech_rate

TEXT = "Getting better takes time, and there is seldom a shortcut."


@pytest.fixture(scope="module")
def synth() -> Synthesiser:
    synthesiser = Synthesiser("en-GB")
    yield synthesiser  # type: ignore[misc]
    synthesiser.close()


def test_renders_real_speech(synth: Synthesiser) -> None:
    audio = synth.render(TEXT, 150)
    assert 2.0 < audio.seconds < 8.0
    assert speech_seconds(audio.resampled(16000)) > 0.6 * audio.seconds


def test_rate_changes_duration(synth: Synthesiser) -> None:
    slow, fast = synth.render(TEXT, 110), synth.render(TEXT, 220)
    assert slow.seconds > 1.5 * fast.seconds


def test_speech_rate_combines_user_and_reply_rates() -> None:
    assert speech_rate(150) == 150
    assert speech_rate(150, rate_percent=80) == 120
    assert speech_rate(150, rate_factor=0.85) == 128
    assert speech_rate(150, rate_percent=1000) == 320  # clamped to something listenable


def test_wav_output_inserts_pauses(synth: Synthesiser, tmp_path: Path) -> None:
    output = WavOutput(synth, tmp_path)
    output.speak([Segment("Hello.", 0)], 150)
    output.speak([Segment("Hello.", 2000)], 150)
    short = read_wav(tmp_path / "reply-001.wav").audio
    long = read_wav(tmp_path / "reply-002.wav").audio
    assert long.seconds - short.seconds == pytest.approx(2.0, abs=0.05)
    tail = long.samples[-int(1.9 * 16000) :]
    assert np.abs(tail).max() == 0


def test_worker_restarts_after_being_killed(synth: Synthesiser) -> None:
    synth.render("one", 150)
    process = synth._process
    assert process is not None
    process.kill()
    process.join()
    assert synth.render("two", 150).seconds > 0.2
