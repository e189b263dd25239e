"""Bad recordings: clear messages or correct results, never a crash."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from click.testing import CliRunner

from local_voice.audio import read_wav
from local_voice.commands import listen, transcribe
from local_voice.errors import AudioError
from local_voice.spoken_set import SpokenItem, silence_and_noise


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(AudioError, match="does not exist"):
        read_wav(tmp_path / "nope.wav")


def test_empty_and_corrupt_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    corrupt = tmp_path / "corrupt.wav"
    corrupt.write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunkjunkjunk")
    for path in (empty, corrupt):
        with pytest.raises(AudioError, match="not a readable WAV"):
            read_wav(path)


def test_wav_with_no_frames(tmp_path: Path) -> None:
    path = tmp_path / "zero.wav"
    sf.write(str(path), np.zeros(0, dtype=np.int16), 16000)
    with pytest.raises(AudioError, match="contains no audio"):
        read_wav(path)


def test_unreadable_file(tmp_path: Path) -> None:
    folder = tmp_path / "folder.wav"
    folder.mkdir()
    with pytest.raises(AudioError, match="not a file"):
        read_wav(folder)


def test_8khz_stereo_is_converted(spoken_clean: list[SpokenItem], tmp_path: Path) -> None:
    item = next(i for i in spoken_clean if i.intent == "TakeBreakIntent")
    data, rate = sf.read(str(item.path), dtype="float32")
    narrow = np.interp(np.arange(0, len(data), 2), np.arange(len(data)), data)
    path = tmp_path / "phone.wav"
    sf.write(str(path), np.stack([narrow, narrow * 0.8], axis=1), rate // 2)
    turn = read_wav(path)
    assert turn.audio.sample_rate == 16000 and turn.audio.samples.ndim == 1
    assert abs(turn.audio.seconds - len(data) / rate) < 0.05
    result = CliRunner().invoke(transcribe, ["--json", "--engine", "pocketsphinx", str(path)])
    assert result.exit_code == 0, result.output
    row = json.loads(result.stdout.strip().splitlines()[-1])
    assert row["transcript"]  # narrowband speech is still heard as words


def test_silence_and_noise_are_no_speech(tmp_path: Path) -> None:
    files = [str(p) for p in silence_and_noise(tmp_path)]
    result = CliRunner().invoke(transcribe, ["--json", "--engine", "pocketsphinx", *files])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["transcript"] for r in rows] == ["", ""]
    replies = tmp_path / "replies"
    result = CliRunner().invoke(
        listen, ["--wav", files[0], "--say-to", str(replies), "--engine", "pocketsphinx"]
    )
    assert result.exit_code == 0, result.output
    assert "nothing heard" in result.stdout
    assert len(list(replies.glob("reply-*.wav"))) == 2  # greeting, then the gentle reprompt


def test_ten_minute_wav_is_cut_to_the_maximum_turn(tmp_path: Path) -> None:
    path = tmp_path / "long.wav"
    rng = np.random.default_rng(0)
    sf.write(str(path), (rng.standard_normal(16000 * 600) * 300).astype(np.int16), 16000)
    turn = read_wav(path, max_seconds=30)
    assert turn.truncated_from == pytest.approx(600, abs=1)
    assert turn.audio.seconds == pytest.approx(30, abs=0.1)
    result = CliRunner().invoke(transcribe, ["--json", "--engine", "pocketsphinx", str(path)])
    assert result.exit_code == 0, result.output
    assert "only the first 30 s" in result.stderr


def test_bad_files_among_good_ones(spoken_clean: list[SpokenItem], tmp_path: Path) -> None:
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"not audio")
    good = spoken_clean[0].path
    result = CliRunner().invoke(
        transcribe, ["--json", "--engine", "pocketsphinx", str(bad), str(good)]
    )
    assert result.exit_code == 1
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert "error" in rows[0] and rows[1]["transcript"]
    assert "not a readable WAV" in result.stderr
