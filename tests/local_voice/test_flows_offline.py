"""Rehearsal, letters, resume, export and parity in the offline app."""

from __future__ import annotations

import html
import json
import re
import subprocess
import wave
from pathlib import Path

import pytest
from click.testing import CliRunner

from intents.content import content_for
from intents.conversation import Conversation
from intents.rehearsal import scripts
from skill.builder import build_skill
from tests.skill.envelopes import deserialize, intent
from therapy_checkin.cli import _register_voice_commands, cli

_register_voice_commands()
SCRIPT = scripts()["take_break"]


def _listen_text(lines: list[str], *args: str) -> str:
    result = CliRunner().invoke(cli, ["listen", "--text", *args], input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    return result.output


def _replies(output: str) -> list[str]:
    return [line[5:] for line in output.splitlines() if line.startswith("app: ")]


def test_a_typed_rehearsal_obeys_every_control() -> None:
    lines = ["help me practise asking for a break", "I'd like to talk about a break", "next",
             "next", "go back", "repeat", "slower", "faster", "pause", "resume", "start over",
             "which scripts are there", "stop"]  # fmt: skip
    replies = _replies(_listen_text(lines))[1:]  # after the greeting
    steps = [step.line for step in SCRIPT.steps]
    assert steps[0] in replies[0] and SCRIPT.intro in replies[0]
    assert SCRIPT.steps[0].encouragement in replies[1]  # feedback on the typed attempt
    assert steps[1] in replies[2] and steps[2] in replies[3]
    assert steps[1] in replies[4] and steps[1] in replies[5]  # back, repeat
    assert steps[1] in replies[6] and steps[1] in replies[7]  # slower, faster
    assert "Paused" in replies[8] and steps[1] in replies[9]
    assert SCRIPT.intro in replies[10]
    assert all(s.title in replies[11] for s in scripts().values())
    assert "kept your place" in replies[12]


def test_the_last_step_then_next_finishes_the_practice() -> None:
    lines = ["help me practise asking for a break"] + ["next"] * (len(SCRIPT.steps)) + ["no"]
    replies = _replies(_listen_text(lines))
    assert SCRIPT.steps[-1].line in replies[-3]
    assert content_for("en-GB").prompts["rehearse_finished"][0] in replies[-2]


def test_continue_my_practice_picks_up_in_a_later_conversation() -> None:
    _listen_text(["help me practise asking for a break", "next", "next", "stop"])
    replies = _replies(_listen_text(["continue my practice", "yes", "stop"]))
    assert "step 3" in replies[1]
    assert SCRIPT.steps[2].line in replies[2]


def test_the_letter_is_composed_and_saved_only_when_asked(tmp_path: Path) -> None:
    lines = ["help me write an email to my therapist", "yes", "the sessions feel rushed",
             "to slow down a bit", "her name is Priya", "skip", "save it", "stop"]  # fmt: skip
    output = _listen_text(lines, "--letters-dir", str(tmp_path))
    saved = list(tmp_path.glob("*.txt"))
    assert len(saved) == 1 and str(saved[0]) in output
    letter = saved[0].read_text(encoding="utf-8")
    assert letter.startswith("Dear Priya,") and "sessions feel rushed" in letter.lower()


def test_a_letter_is_not_saved_when_the_user_is_done(tmp_path: Path) -> None:
    lines = ["help me write a letter", "yes", "it's too fast", "skip", "skip", "skip",
             "I've finished the letter", "stop"]  # fmt: skip
    output = _listen_text(lines, "--letters-dir", str(tmp_path))
    assert list(tmp_path.iterdir()) == []
    assert content_for("en-GB").prompts["letter_not_saved"][0] in output


def test_rehearse_list_prints_one_script_id_per_line() -> None:
    result = CliRunner().invoke(cli, ["rehearse", "--list"])
    assert result.output.split() == list(scripts())


def _seconds(path: Path) -> float:
    with wave.open(str(path)) as wav:
        return wav.getnframes() / wav.getframerate()


def test_export_writes_each_step_all_steps_and_a_playlist(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["rehearse", "discharge", "--export", str(tmp_path)])
    assert result.exit_code == 0, result.output
    steps = sorted(tmp_path.glob("discharge-step-*.wav"))
    script = scripts()["discharge"]
    assert len(steps) == len(script.steps)
    for path, step in zip(steps, script.steps, strict=True):
        assert _seconds(path) > step.turn_seconds + 2  # speech plus the user's turn
    combined = _seconds(tmp_path / "discharge-all-steps.wav")
    assert combined == pytest.approx(sum(_seconds(p) for p in steps), rel=0.05)
    playlist = (tmp_path / "discharge.m3u").read_text().split()
    assert playlist == ["#EXTM3U", *(p.name for p in steps)]


def _spoken_words(path: Path) -> str:
    """What espeak-ng's own recogniser-free check can tell: the file is speech, not silence."""
    import numpy as np
    import soundfile as sf

    samples, _ = sf.read(str(path))
    return "speech" if float(np.abs(samples).max()) > 0.05 else "silence"


def test_exported_steps_are_speech(tmp_path: Path) -> None:
    CliRunner().invoke(cli, ["rehearse", "take_break", "--export", str(tmp_path)])
    assert {_spoken_words(p) for p in tmp_path.glob("*.wav")} == {"speech"}


def _plain(ssml: str) -> str:
    text = html.unescape(re.sub(r"<[^>]+>", " ", ssml))
    return " ".join(text.split())


@pytest.mark.parametrize("name", sorted(content_for("en-GB").answers))
def test_offline_reply_text_equals_the_skill_speech_without_ssml(name: str) -> None:
    offline = Conversation(surface="offline").handle(name)
    response = build_skill().invoke(request_envelope=deserialize(intent(name)), context=None)
    assert " ".join(offline.text.split()) == _plain(response.response.output_speech.ssml)


def test_a_typed_session_stores_no_user_text(tmp_path: Path, isolated_progress: Path) -> None:
    lines = ["help me practise asking for a break", "WOMBATWORD I would like a pause", "next",
             "help me write a letter", "yes", "WOMBATWORD it is hard", "skip", "Wombatword",
             "skip", "I've finished the letter", "stop"]  # fmt: skip
    _listen_text(lines)
    stored = b"".join(p.read_bytes() for p in isolated_progress.iterdir() if p.is_file())
    assert stored and b"WOMBATWORD" not in stored.upper()


def _espeak(text: str, path: Path) -> Path:
    subprocess.run(["espeak-ng", "-s", "140", "-w", str(path), text], check=True)
    return path


def test_a_spoken_rehearsal_through_wav_files(tmp_path: Path) -> None:
    said = ["I would like to take a break", "next", "repeat", "start again"]
    wavs = [str(_espeak(text, tmp_path / f"turn-{i}.wav")) for i, text in enumerate(said)]
    args = ["rehearse", SCRIPT.id, "--engine", "pocketsphinx"]
    for wav in wavs:
        args += ["--wav", wav]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    replies = _replies(result.output)
    assert SCRIPT.steps[0].line in replies[0]
    assert SCRIPT.steps[0].encouragement in replies[1]  # feedback on the spoken attempt
    assert SCRIPT.steps[1].line in replies[2] and SCRIPT.steps[1].line in replies[3]
    assert SCRIPT.intro in replies[4]


def test_transcribe_json_is_one_object_per_file(tmp_path: Path) -> None:
    path = _espeak("can I see a different therapist", tmp_path / "q.wav")
    result = CliRunner().invoke(
        cli, ["transcribe", "--json", "--engine", "pocketsphinx", str(path)]
    )
    row = json.loads(result.output.strip().splitlines()[-1])
    assert set(row) == {"file", "transcript", "intent", "confidence", "engine"}
