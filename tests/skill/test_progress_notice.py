"""When the progress store fails, the user hears so, kindly, and the answer still comes."""

from __future__ import annotations

import html
from typing import Any

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_core.exceptions import PersistenceException
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import RequestEnvelope

from intents.content import content_for
from skill.builder import build_skill
from tests.skill.envelopes import Session, deserialize


class BrokenStore(AbstractPersistenceAdapter):
    """A store whose every call fails, as an unreachable database does."""

    def get_attributes(self, request_envelope: RequestEnvelope) -> dict[str, Any]:
        raise PersistenceException("unreachable")

    def save_attributes(self, request_envelope: RequestEnvelope, attributes: Any) -> None:
        raise PersistenceException("unreachable")

    def delete_attributes(self, request_envelope: RequestEnvelope) -> None:
        raise PersistenceException("unreachable")


def say(store: AbstractPersistenceAdapter | None, session: Session, envelope: Any) -> str:
    response = build_skill(persistence_adapter=store).invoke(deserialize(envelope), None)
    body = DefaultSerializer().serialize(response)
    session.absorb(body)
    return html.unescape(body["response"]["outputSpeech"]["ssml"])


def test_a_failed_load_is_said_before_the_greeting_once_per_conversation() -> None:
    notice = content_for("en-US").prompts["progress_unavailable"][0]
    session = Session(locale="en-US")
    greeting = say(BrokenStore(), session, session.launch())
    assert greeting.index(notice) < greeting.index("Therapy Check-In")
    answer = say(BrokenStore(), session, session.intent("TakeBreakIntent"))
    assert notice not in answer  # progress is in the session now: nothing more to load


def test_a_crisis_reply_is_never_preceded_by_the_notice() -> None:
    broken, working = Session(), Session()
    crisis = say(BrokenStore(), broken, broken.intent("CrisisIntent"))
    assert crisis == say(None, working, working.intent("CrisisIntent"))  # exactly as reviewed
    assert "Samaritans" in crisis


def test_no_notice_when_there_is_no_store_at_all() -> None:
    session = Session()
    greeting = say(None, session, session.launch())
    assert content_for("en-GB").prompts["progress_unavailable"][0] not in greeting
