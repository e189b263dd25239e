"""Rehearsal and letter flows through real Alexa envelopes, state carried as Alexa carries it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import requests
from flask.testing import FlaskClient

from intents.rehearsal import scripts
from skill.app import create_app
from tests.skill.envelopes import Session

SCRIPT = scripts()["homework_pace"]
LAST = len(SCRIPT.steps) - 1


@pytest.fixture()
def client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FlaskClient:
    monkeypatch.setenv("THERAPY_CHECKIN_DATA_DIR", str(tmp_path))
    return create_app({"VERIFY": False}).test_client()


def _say(client: FlaskClient, session: Session, envelope: Mapping[str, Any]) -> dict[str, Any]:
    response = client.post("/alexa", json=envelope)
    assert response.status_code == 200, response.get_data(as_text=True)
    return dict(session.absorb(response.get_json()))


def _speech(response: Mapping[str, Any]) -> str:
    return str(response["response"]["outputSpeech"]["ssml"])


def _to_step(client: FlaskClient, session: Session, index: int) -> dict[str, Any]:
    response = _say(client, session, session.intent("RehearseIntent", {"topic": SCRIPT.id}))
    for _ in range(index):
        response = _say(client, session, session.intent("AMAZON.NextIntent"))
    return response


@pytest.mark.parametrize("index", [0, 2, LAST])
@pytest.mark.parametrize(
    ("control", "expected"),
    [
        ("AMAZON.RepeatIntent", lambda i: SCRIPT.steps[i].line),
        ("AMAZON.PreviousIntent", lambda i: SCRIPT.steps[max(i - 1, 0)].line),
        ("AMAZON.ResumeIntent", lambda i: SCRIPT.steps[i].line),
        ("AMAZON.StartOverIntent", lambda i: SCRIPT.steps[0].line),
    ],
)
def test_rehearsal_controls_at_first_middle_and_last_step(
    client: FlaskClient, index: int, control: str, expected
) -> None:
    session = Session()
    _to_step(client, session, index)
    response = _say(client, session, session.intent(control))
    assert expected(index).replace("'", "&apos;") in _speech(response) or expected(
        index
    ) in _speech(response)
    assert response["response"]["shouldEndSession"] is False
    assert "reprompt" in response["response"]


@pytest.mark.parametrize("index", [0, 2, LAST])
def test_next_pause_slower_and_stop_at_each_position(client: FlaskClient, index: int) -> None:
    session = Session()
    step = _to_step(client, session, index)
    assert '<break time="' in _speech(step)  # the user's turn is a timed pause on Alexa
    slower = _say(client, session, session.intent("SpeechRateIntent", {"direction": "slower"}))
    assert 'prosody rate="75%"' in _speech(slower)
    paused = _say(client, session, session.intent("AMAZON.PauseIntent"))
    assert "Paused" in _speech(paused)
    stop = _say(client, session, session.intent("AMAZON.StopIntent"))
    assert stop["response"]["shouldEndSession"] is True


def test_a_whole_rehearsal_to_the_end(client: FlaskClient) -> None:
    session = Session()
    response = _to_step(client, session, LAST)
    response = _say(client, session, session.intent("AMAZON.NextIntent"))
    assert "finished" in _speech(response)
    assert "rehearsal" not in response["sessionAttributes"]


def test_the_letter_flow_to_completion_puts_the_letter_on_a_standard_card(
    client: FlaskClient,
) -> None:
    session = Session()
    _say(client, session, session.launch())
    _say(client, session, session.intent("DraftLetterIntent", {"format": "email"}))
    _say(client, session, session.intent("AMAZON.YesIntent"))
    _say(client, session, session.intent("CaptureIntent", {"text": "the homework scares me"}))
    _say(client, session, session.intent("CaptureIntent", {"text": "to go a bit slower"}))
    _say(client, session, session.intent("CaptureIntent", {"text": "Maya"}))
    review = _say(client, session, session.intent("AMAZON.NextIntent"))
    card = review["response"]["card"]
    assert card["type"] == "Standard"
    assert (
        card["text"].startswith("Dear Maya,") and "the homework scares me" in card["text"].lower()
    )
    done = _say(client, session, session.intent("LetterActionIntent", {"action": "done"}))
    assert "letter" not in done["sessionAttributes"]


def test_a_crisis_answer_interrupts_the_letter(client: FlaskClient) -> None:
    session = Session()
    _say(client, session, session.intent("DraftLetterIntent"))
    _say(client, session, session.intent("AMAZON.YesIntent"))
    crisis = _say(client, session, session.intent("CaptureIntent", {"text": "i want to die"}))
    assert "116 123" in crisis["response"]["card"]["content"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture()
def two_workers(tmp_path: Path) -> Iterator[str]:
    """The real server: gunicorn with two workers sharing one progress file."""
    port = _free_port()
    env = {**os.environ, "THERAPY_CHECKIN_DATA_DIR": str(tmp_path)}
    command = [sys.executable, "-m", "therapy_checkin", "serve", "--port", str(port),
               "--workers", "2", "--no-verify"]  # fmt: skip
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if requests.get(f"{base}/healthz", timeout=1).ok:
                    break
            except requests.ConnectionError:
                time.sleep(0.1)
        else:
            raise AssertionError("server did not start")
        yield base
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_practice_resumes_in_a_later_conversation_served_by_any_worker(two_workers: str) -> None:
    def post(session: Session, envelope: Mapping[str, Any]) -> dict[str, Any]:
        response = requests.post(f"{two_workers}/alexa", json=envelope, timeout=10)
        assert response.status_code == 200
        return dict(session.absorb(response.json()))

    first = Session()
    post(first, first.intent("RehearseIntent", {"topic": "discharge"}))
    post(first, first.intent("AMAZON.NextIntent"))
    post(first, first.intent("AMAZON.StopIntent"))
    for _ in range(4):  # several new conversations, spread over the workers
        later = Session()
        offer = post(later, later.intent("RehearseIntent"))
        assert "step 2" in offer["response"]["outputSpeech"]["ssml"]
    resumed = post(later, later.intent("AMAZON.YesIntent"))
    line = scripts()["discharge"].steps[1].line
    assert line.split()[0] in resumed["response"]["outputSpeech"]["ssml"]
