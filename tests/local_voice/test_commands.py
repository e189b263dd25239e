"""Command-line behaviour without a microphone or a network."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from local_voice.commands import listen, main


def test_no_microphone_suggests_wav_or_text() -> None:
    result = CliRunner().invoke(listen, [])
    assert result.exit_code != 0
    assert "--wav" in result.output and "--text" in result.output


def test_wav_flag_needs_files() -> None:
    result = CliRunner().invoke(listen, ["--wav"])
    assert result.exit_code == 2 and "at least one file" in result.output


def test_typed_conversation_prints_and_speaks(tmp_path: Path) -> None:
    replies = tmp_path / "replies"
    result = CliRunner().invoke(
        listen, ["--text", "--say-to", str(replies)], input="how long does CBT take\nstop\n"
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.count("app: ") >= 2
    assert len(list(replies.glob("reply-*.wav"))) >= 2


def test_transcripts_saved_only_when_asked(tmp_path: Path) -> None:
    replies, saved = tmp_path / "replies", tmp_path / "saved"
    args = ["--text", "--say-to", str(replies)]
    CliRunner().invoke(listen, args, input="my therapy is not working\n")
    assert not saved.exists()
    result = CliRunner().invoke(
        listen, [*args, "--save-transcripts", str(saved)], input="my therapy is not working\n"
    )
    assert result.exit_code == 0, result.output
    (log,) = saved.glob("transcript-*.jsonl")
    assert "my therapy is not working" in log.read_text()


def test_bad_end_silence_is_explained() -> None:
    result = CliRunner().invoke(listen, ["--text", "--end-silence", "50"])
    assert result.exit_code != 0 and "--end-silence" in result.output


def test_group_lists_the_commands() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert all(name in result.output for name in ("listen", "transcribe", "models"))
