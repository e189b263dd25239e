"""The `therapy-checkin ask` contract that evaluation scripts depend on."""

from __future__ import annotations

import json
import subprocess
import sys

from click.testing import CliRunner

from therapy_checkin.cli import cli


def test_ask_prints_the_spoken_reply() -> None:
    result = CliRunner().invoke(cli, ["ask", "can I see a different therapist"])
    assert result.exit_code == 0
    assert "therapist" in result.output.lower()


def test_ask_json_prints_one_object_with_the_contract_fields() -> None:
    result = CliRunner().invoke(cli, ["ask", "--json", "what happens if I'm discharged"])
    record = json.loads(result.output)
    assert set(record) == {"text", "intent", "confidence", "speech"}
    assert record["intent"] == "DischargeIntent"
    assert 0 < record["confidence"] <= 1


def test_stdin_lines_are_each_a_fresh_first_turn() -> None:
    lines = ["yes", "my homework makes me so anxious", "yes"]
    result = CliRunner().invoke(cli, ["ask", "--json"], input="\n".join(lines) + "\n")
    records = [json.loads(line) for line in result.output.splitlines()]
    assert [r["text"] for r in records] == lines
    assert records[0]["speech"] == records[2]["speech"]  # no state leaks between lines


def test_batch_survives_odd_lines_and_stays_well_formed() -> None:
    odd = [
        "",
        "x" * 10_000,
        "😀🙂 therapy?",
        "Мой терапевт не помогает",
        "مرحبا",
        "\t",
        "I can't go on",
    ]
    result = subprocess.run(
        [sys.executable, "-m", "therapy_checkin", "ask", "--json"],
        input="\n".join(odd) + "\n",
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=True,
    )
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == len(odd)
    assert all(set(r) == {"text", "intent", "confidence", "speech"} for r in records)
    assert records[-1]["intent"] == "CrisisIntent"
    assert records[0]["intent"] == "FallbackIntent"


def test_typed_conversation_greets_then_answers_each_line() -> None:
    from io import StringIO

    from therapy_checkin.ask import typed_conversation

    out = StringIO()
    typed_conversation("en-GB", StringIO("how long does cbt take\nstop\n"), out)
    text = out.getvalue()
    assert "not a substitute" in text.lower() or "professional" in text.lower()
    assert text.count("> ") == 2


def test_serve_without_a_skill_id_says_what_to_set(monkeypatch) -> None:
    monkeypatch.delenv("THERAPY_CHECKIN_SKILL_ID", raising=False)
    result = CliRunner().invoke(cli, ["serve", "--port", "8765"])
    assert result.exit_code == 1
    assert "THERAPY_CHECKIN_SKILL_ID" in result.output and "Traceback" not in result.output
