"""Privacy of the skill's logs: intent names and timings only, never what the user said.

A whole conversation goes through the Flask endpoint with every logger at DEBUG. Everything
the user could have said carries one unique marker: every slot of every catalog intent, a
resolved slot, crisis words, a SessionEndedRequest error message, and the bodies of requests
that are refused. No log record may hold the marker anywhere: message, arguments, extras or
traceback.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient

from intents.catalog import default_catalog
from skill.app import create_app
from tests.skill import envelopes
from tests.skill.envelopes import Session

MARKER = f"zq{uuid.uuid4().hex[:12]}xv"


@pytest.fixture
def client() -> FlaskClient:
    return create_app({"VERIFY": False, "SKILL_ID": None}).test_client()


def post(client: FlaskClient, body: bytes | str) -> int:
    return client.post("/alexa", data=body, content_type="application/json").status_code


def record_texts(record: logging.LogRecord) -> Iterator[str]:
    yield record.getMessage()
    yield repr(record.msg)
    yield repr(record.args)
    yield repr(vars(record))
    yield logging.Formatter().format(record)  # includes any traceback


def converse(client: FlaskClient, locale: str) -> list[int]:
    """A conversation whose every free-text value carries the marker; returns the statuses."""
    session = Session(locale)
    statuses = []

    def turn(envelope: envelopes.Envelope) -> None:
        response = client.post("/alexa", data=json.dumps(envelope), content_type="application/json")
        statuses.append(response.status_code)
        if response.status_code == 200:
            session.absorb(response.get_json())

    turn(session.launch())
    for intent in default_catalog().intents.values():
        if intent.slots:
            turn(session.intent(intent.name, {slot: f"a {MARKER} b" for slot in intent.slots}))
    resolved = envelopes.slot("format", f"{MARKER} note", resolved_id="letter")
    turn(session.intent("DraftLetterIntent", {"format": resolved}))
    turn(session.intent("airportInfoIntent", {"AirportCode": MARKER}))
    turn(session.intent("AMAZON.FallbackIntent", {"query": MARKER}))
    turn(session.intent("DraftLetterIntent", {"format": f"I want to kill myself {MARKER}"}))
    turn(session.intent("AMAZON.RepeatIntent"))
    ended = session.ended("ERROR")
    ended["request"]["error"]["message"] = f"speech contained {MARKER}"
    turn(ended)
    return statuses


@pytest.mark.parametrize("locale", envelopes.LOCALES)
def test_a_conversation_logs_no_user_words(
    client: FlaskClient, caplog: pytest.LogCaptureFixture, locale: str
) -> None:
    caplog.set_level(logging.DEBUG)
    statuses = converse(client, locale)
    assert statuses == [200] * len(statuses)
    assert any("DraftLetterIntent" in record.getMessage() for record in caplog.records)
    leaks = [r.getMessage() for r in caplog.records if any(MARKER in t for t in record_texts(r))]
    assert leaks == []


@pytest.mark.parametrize(
    "body",
    [
        json.dumps({**envelopes.launch(), "request": {"type": MARKER}}),
        json.dumps({**envelopes.launch(), "request": MARKER}),
        json.dumps(envelopes.intent("DraftLetterIntent", {MARKER: {"name": MARKER, "value": 5}})),
        f'{{"version": "1.0", "request": "{MARKER}"',
        json.dumps([MARKER]),
    ],
    ids=["unknown-type", "request-string", "bad-slot", "truncated-json", "array"],
)
def test_refused_requests_log_no_body_text(
    client: FlaskClient, caplog: pytest.LogCaptureFixture, body: str
) -> None:
    caplog.set_level(logging.DEBUG)
    assert post(client, body) == 400
    assert any("rejected" in record.getMessage() for record in caplog.records)
    leaks = [r.getMessage() for r in caplog.records if any(MARKER in t for t in record_texts(r))]
    assert leaks == []


def test_a_failing_handler_logs_no_user_words(
    client: FlaskClient, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Even when the core raises with the user's words in the exception message."""
    import skill.handlers

    def boom(turn: object) -> object:
        raise ValueError(f"could not handle {MARKER}")

    monkeypatch.setattr(skill.handlers, "respond", boom)
    caplog.set_level(logging.DEBUG)
    envelope = envelopes.intent("DraftLetterIntent", {"format": MARKER})
    assert post(client, json.dumps(envelope)) == 200
    assert any("handler failed" in record.getMessage() for record in caplog.records)
    leaks = [r.getMessage() for r in caplog.records if any(MARKER in t for t in record_texts(r))]
    assert leaks == []
