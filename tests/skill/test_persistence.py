"""The Alexa persistence adapter: progress kept per Alexa user, in the shared SQLite file.

Requests are real ask-sdk-model ``RequestEnvelope`` objects, deserialised from the JSON Alexa
posts, so the user id is read from where Alexa really puts it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from ask_sdk_core.attributes_manager import AttributesManager
from ask_sdk_core.exceptions import PersistenceException
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import RequestEnvelope

from intents.progress_store import DATA_DIR_ENV, FILE_NAME, ProgressStore
from skill.persistence import SQLitePersistenceAdapter

ALICE = "amzn1.ask.account." + "ALICE" * 50  # real ids run to a few hundred characters
BOB = "amzn1.ask.account.BOB"
PROGRESS = {"script": "ask_for_change", "step": 2, "rate": 90, "finished": False}


def envelope(context_user: str | None = ALICE, session_user: str | None = ALICE) -> RequestEnvelope:
    """A LaunchRequest as Alexa posts it, with the user id in context and/or session."""
    system: dict[str, Any] = {"application": {"applicationId": "amzn1.ask.skill.test"}}
    if context_user:
        system["user"] = {"userId": context_user}
    body: dict[str, Any] = {
        "version": "1.0",
        "context": {"System": system},
        "request": {
            "type": "LaunchRequest",
            "requestId": "amzn1.echo-api.request.1",
            "timestamp": "2025-01-01T12:00:00Z",
            "locale": "en-GB",
        },
    }
    if session_user:
        body["session"] = {
            "new": True,
            "sessionId": "amzn1.echo-api.session.1",
            "application": {"applicationId": "amzn1.ask.skill.test"},
            "attributes": {},
            "user": {"userId": session_user},
        }
    parsed = DefaultSerializer().deserialize(json.dumps(body), RequestEnvelope)
    assert isinstance(parsed, RequestEnvelope)
    return parsed


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / FILE_NAME


@pytest.fixture
def adapter(path: Path) -> SQLitePersistenceAdapter:
    return SQLitePersistenceAdapter(ProgressStore(path))


def test_progress_round_trips_for_one_user(adapter: SQLitePersistenceAdapter) -> None:
    adapter.save_attributes(envelope(), dict(PROGRESS))
    assert adapter.get_attributes(envelope()) == PROGRESS


def test_a_new_user_starts_with_nothing(adapter: SQLitePersistenceAdapter) -> None:
    adapter.save_attributes(envelope(), dict(PROGRESS))
    assert adapter.get_attributes(envelope(BOB, BOB)) == {}


def test_progress_is_keyed_by_the_alexa_user_id(
    adapter: SQLitePersistenceAdapter, path: Path
) -> None:
    adapter.save_attributes(envelope(), dict(PROGRESS))
    assert ProgressStore(path).load(ALICE) == PROGRESS


def test_the_session_user_is_used_when_context_has_none(
    adapter: SQLitePersistenceAdapter,
) -> None:
    adapter.save_attributes(envelope(context_user=None, session_user=BOB), {"step": 4})
    assert adapter.get_attributes(envelope(BOB, BOB)) == {"step": 4}


def test_the_context_user_wins_over_the_session_user(adapter: SQLitePersistenceAdapter) -> None:
    adapter.save_attributes(envelope(context_user=ALICE, session_user=BOB), {"step": 6})
    assert adapter.get_attributes(envelope(ALICE, None)) == {"step": 6}


def test_delete_forgets_that_user_only(adapter: SQLitePersistenceAdapter) -> None:
    adapter.save_attributes(envelope(), dict(PROGRESS))
    adapter.save_attributes(envelope(BOB, BOB), {"step": 1})
    adapter.delete_attributes(envelope())
    assert adapter.get_attributes(envelope()) == {}
    assert adapter.get_attributes(envelope(BOB, BOB)) == {"step": 1}


def test_two_workers_on_one_file_see_each_others_writes(path: Path) -> None:
    """Two gunicorn workers each build their own adapter on the same file."""
    first = SQLitePersistenceAdapter(ProgressStore(path))
    second = SQLitePersistenceAdapter(ProgressStore(path))
    first.save_attributes(envelope(), dict(PROGRESS))
    assert second.get_attributes(envelope()) == PROGRESS
    second.save_attributes(envelope(), {**PROGRESS, "step": 3})
    assert first.get_attributes(envelope())["step"] == 3
    second.delete_attributes(envelope())
    assert first.get_attributes(envelope()) == {}


def test_it_serves_the_sdks_attributes_manager(adapter: SQLitePersistenceAdapter) -> None:
    manager = AttributesManager(envelope(), persistence_adapter=adapter)
    manager.persistent_attributes = dict(PROGRESS)
    manager.save_persistent_attributes()
    later = AttributesManager(envelope(), persistence_adapter=adapter)
    assert later.persistent_attributes == PROGRESS


def test_a_request_without_a_user_id_is_refused(adapter: SQLitePersistenceAdapter) -> None:
    anonymous = envelope(context_user=None, session_user=None)
    for call in (
        lambda: adapter.get_attributes(anonymous),
        lambda: adapter.save_attributes(anonymous, {"step": 1}),
        lambda: adapter.delete_attributes(anonymous),
    ):
        with pytest.raises(PersistenceException, match="no user id"):
            call()


def test_a_damaged_file_becomes_a_persistence_exception(
    adapter: SQLitePersistenceAdapter, path: Path
) -> None:
    path.write_bytes(b"this is not an SQLite file at all" * 100)
    with pytest.raises(PersistenceException, match="damaged") as error:
        adapter.get_attributes(envelope())
    assert str(path) in str(error.value)


def test_attributes_that_are_not_progress_are_refused(adapter: SQLitePersistenceAdapter) -> None:
    with pytest.raises(PersistenceException) as error:
        adapter.save_attributes(envelope(), {"letter": "Dear therapist, I want to stop"})
    assert isinstance(error.value.__cause__, ValueError)
    assert adapter.get_attributes(envelope()) == {}


def test_by_default_the_file_follows_the_data_dir_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "alexa-data"))
    SQLitePersistenceAdapter().save_attributes(envelope(), {"step": 1})
    assert (tmp_path / "alexa-data" / FILE_NAME).is_file()
