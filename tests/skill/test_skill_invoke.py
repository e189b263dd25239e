"""Specification of what the Alexa skill answers, turn by turn.

Every test runs twice: once through ``build_skill().invoke`` with a real ``RequestEnvelope``
(deserialised by ask-sdk from an Alexa-shaped dict) and once through the Flask endpoint with
verification off. Multi-turn tests carry ``sessionAttributes`` into the next request's
``session.attributes`` exactly as Alexa does (tests/skill/envelopes.py).
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from typing import Any

import pytest
from ask_sdk_core.serialize import DefaultSerializer

from intents.catalog import default_catalog
from intents.content import content_for
from intents.crisis import services_for
from intents.reply import Segment, join_text
from skill.app import create_app
from skill.builder import build_skill
from skill.ssml import to_ssml
from tests.skill import envelopes
from tests.skill.envelopes import LOCALES, SESSION_END_REASONS, Envelope, Session

Answer = Callable[[Envelope], dict[str, Any]]

ALL_INTENTS = tuple(default_catalog().intents)
CONTENT_INTENTS = tuple(content_for("en-GB").answers)
ENDING_INTENTS = ("AMAZON.StopIntent", "AMAZON.CancelIntent")
OPEN_INTENTS = tuple(name for name in ALL_INTENTS if name not in ENDING_INTENTS)
SSML_TAGS = {"speak", "prosody", "break"}
#: What the crisis card must show, per locale (DESIGN.md, Safety).
CRISIS_NUMBER = {"en-GB": "116 123", "en-US": "988"}
#: Every (intent, slot) in the catalog: any slot may carry words the user said.
SLOTS = tuple(
    (intent.name, name) for intent in default_catalog().intents.values() for name in intent.slots
)
MARKUP = "<audio src='x'/> & \"hi\""


# --- channels -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def invoke_answer() -> Answer:
    skill = build_skill()
    serializer = DefaultSerializer()

    def answer(envelope: Envelope) -> dict[str, Any]:
        response = skill.invoke(request_envelope=envelopes.deserialize(envelope), context=None)
        serialized = serializer.serialize(response)
        assert isinstance(serialized, dict)
        return serialized

    return answer


@pytest.fixture(scope="module")
def flask_answer() -> Answer:
    client = create_app({"VERIFY": False, "SKILL_ID": None}).test_client()

    def answer(envelope: Envelope) -> dict[str, Any]:
        reply = client.post("/alexa", data=json.dumps(envelope), content_type="application/json")
        assert reply.status_code == 200, reply.get_data(as_text=True)
        return reply.get_json()

    return answer


@pytest.fixture(params=["invoke", "flask"])
def answer(request: pytest.FixtureRequest) -> Answer:
    return request.getfixturevalue(f"{request.param}_answer")


@pytest.fixture(params=LOCALES)
def locale(request: pytest.FixtureRequest) -> str:
    return request.param


# --- helpers --------------------------------------------------------------------------------


def speech(response: Mapping[str, Any]) -> str:
    output = response["response"]["outputSpeech"]
    assert output["type"] == "SSML"
    return output["ssml"]


def spoken(ssml: str) -> str:
    """The words Alexa would say: the SSML's text with markup removed."""
    return "".join(ET.fromstring(ssml).itertext())


def card_text(response: Mapping[str, Any]) -> str:
    card = response["response"]["card"]
    return card.get("content") or card.get("text") or ""


def converse(answer: Answer, session: Session, *turns: str) -> dict[str, Any]:
    """Launch, then each intent in turn; returns the last response."""
    response = session.absorb(answer(session.launch()))
    for name in turns:
        response = session.absorb(answer(session.intent(name)))
    return dict(response)


# --- every intent, both locales ---------------------------------------------------------------


@pytest.mark.parametrize("name", ALL_INTENTS)
def test_every_intent_is_answered_in_ssml(answer: Answer, locale: str, name: str) -> None:
    ssml = speech(answer(envelopes.intent(name, locale=locale, new=True)))
    assert ssml.startswith("<speak>") and ssml.endswith("</speak>")
    assert spoken(ssml).strip()


@pytest.mark.parametrize("name", CONTENT_INTENTS)
def test_content_intents_show_a_card_titled_for_the_answer(
    answer: Answer, locale: str, name: str
) -> None:
    card = answer(envelopes.intent(name, locale=locale))["response"]["card"]
    assert card["type"] == "Simple"
    assert card["title"] == content_for(locale).answers[name].title
    assert card["content"].strip()


@pytest.mark.parametrize("name", OPEN_INTENTS)
def test_open_conversation_carries_a_reprompt(answer: Answer, locale: str, name: str) -> None:
    body = answer(envelopes.intent(name, locale=locale))["response"]
    assert body["shouldEndSession"] is False
    assert body["reprompt"]["outputSpeech"]["ssml"].startswith("<speak>")


@pytest.mark.parametrize("name", ENDING_INTENTS)
def test_stop_and_cancel_end_the_session(answer: Answer, locale: str, name: str) -> None:
    body = answer(envelopes.intent(name, locale=locale))["response"]
    assert body["shouldEndSession"] is True
    assert "reprompt" not in body
    assert spoken(body["outputSpeech"]["ssml"]) == "".join(content_for(locale).prompts["goodbye"])


def test_launch_greets_shows_the_disclaimer_and_waits(answer: Answer, locale: str) -> None:
    response = answer(envelopes.launch(locale=locale))
    assert spoken(speech(response)).startswith(content_for(locale).prompts["launch"][0])
    assert " ".join(content_for(locale).prompts["disclaimer"]) in card_text(response)
    assert response["response"]["shouldEndSession"] is False


def test_unknown_intent_name_is_answered_as_fallback(answer: Answer, locale: str) -> None:
    ssml = speech(answer(envelopes.intent("airportInfoIntent", locale=locale)))
    assert spoken(ssml) == "".join(content_for(locale).prompts["fallback"])


# --- conversations --------------------------------------------------------------------------


def test_repeat_says_the_last_reply_again(answer: Answer, locale: str) -> None:
    session = Session(locale)
    first = converse(answer, session, "TherapyNotWorkingIntent")
    again = session.absorb(answer(session.intent("AMAZON.RepeatIntent")))
    assert speech(again) == speech(first)
    assert again["response"]["card"] == first["response"]["card"]


def test_repeat_twice_still_repeats_the_answer_not_itself(answer: Answer, locale: str) -> None:
    session = Session(locale)
    first = converse(answer, session, "HomeworkIntent", "AMAZON.RepeatIntent")
    again = session.absorb(answer(session.intent("AMAZON.RepeatIntent")))
    assert speech(again) == speech(first)


def test_repeat_before_anything_was_said_explains_kindly(answer: Answer, locale: str) -> None:
    ssml = speech(answer(envelopes.intent("AMAZON.RepeatIntent", locale=locale, new=True)))
    assert spoken(ssml) == "".join(content_for(locale).prompts["nothing_to_repeat"])


def test_yes_after_an_answer_gives_the_more_detail(answer: Answer, locale: str) -> None:
    session = Session(locale)
    converse(answer, session, "TherapyNotWorkingIntent")
    more = session.absorb(answer(session.intent("AMAZON.YesIntent")))
    detail = content_for(locale).answers["TherapyNotWorkingIntent"].more
    assert detail is not None
    assert spoken(speech(more)).startswith("".join(detail.speech[:1]))
    assert card_text(more) == join_text(tuple(Segment(text) for text in detail.speech))


def test_yes_after_repeat_still_takes_up_the_offer(answer: Answer, locale: str) -> None:
    session = Session(locale)
    converse(answer, session, "TherapyNotWorkingIntent", "AMAZON.RepeatIntent")
    more = session.absorb(answer(session.intent("AMAZON.YesIntent")))
    detail = content_for(locale).answers["TherapyNotWorkingIntent"].more
    assert detail is not None
    assert spoken(speech(more)).startswith(detail.speech[0])


def test_no_after_an_offer_declines_gently(answer: Answer, locale: str) -> None:
    session = Session(locale)
    response = converse(answer, session, "TherapyNotWorkingIntent", "AMAZON.NoIntent")
    assert spoken(speech(response)) == "".join(content_for(locale).prompts["no_to_offer"])
    assert response["response"]["shouldEndSession"] is False


def test_yes_after_no_no_longer_takes_up_the_declined_offer(answer: Answer, locale: str) -> None:
    session = Session(locale)
    response = converse(
        answer, session, "TherapyNotWorkingIntent", "AMAZON.NoIntent", "AMAZON.YesIntent"
    )
    assert spoken(speech(response)) == "".join(content_for(locale).prompts["not_now"])


def test_start_over_returns_to_the_beginning(answer: Answer, locale: str) -> None:
    session = Session(locale)
    response = converse(answer, session, "TherapyNotWorkingIntent", "AMAZON.StartOverIntent")
    assert spoken(speech(response)) == "".join(content_for(locale).prompts["start_over"])
    assert response["response"]["shouldEndSession"] is False


def test_start_over_forgets_the_pending_offer(answer: Answer, locale: str) -> None:
    session = Session(locale)
    response = converse(
        answer, session, "TherapyNotWorkingIntent", "AMAZON.StartOverIntent", "AMAZON.YesIntent"
    )
    assert spoken(speech(response)) == "".join(content_for(locale).prompts["not_now"])


@pytest.mark.parametrize("stop", ENDING_INTENTS)
@pytest.mark.parametrize(
    "history",
    [(), ("TherapyNotWorkingIntent",), ("CrisisIntent",), ("HomeworkIntent", "AMAZON.YesIntent")],
    ids=["after-launch", "after-answer", "after-crisis", "after-more"],
)
def test_stop_ends_the_session_from_anywhere(
    answer: Answer, locale: str, history: tuple[str, ...], stop: str
) -> None:
    session = Session(locale)
    converse(answer, session, *history)
    body = answer(session.intent(stop))["response"]
    assert body["shouldEndSession"] is True
    assert "reprompt" not in body


def test_stop_after_crisis_shows_the_services_again(answer: Answer, locale: str) -> None:
    session = Session(locale)
    response = converse(answer, session, "CrisisIntent", "AMAZON.StopIntent")
    assert CRISIS_NUMBER[locale] in card_text(response)


def test_crisis_reply_shows_the_locale_services_on_its_card(answer: Answer, locale: str) -> None:
    response = converse(answer, Session(locale), "CrisisIntent")
    assert card_text(response) == services_for(locale).card()
    assert CRISIS_NUMBER[locale] in card_text(response)
    assert response["response"]["shouldEndSession"] is False


def test_crisis_then_repeat_repeats_the_services(answer: Answer, locale: str) -> None:
    session = Session(locale)
    crisis = converse(answer, session, "CrisisIntent")
    again = session.absorb(answer(session.intent("AMAZON.RepeatIntent")))
    assert speech(again) == speech(crisis)
    assert CRISIS_NUMBER[locale] in card_text(again)


def test_crisis_reply_is_spoken_slower_than_an_answer(answer: Answer, locale: str) -> None:
    def rate(response: Mapping[str, Any]) -> int:
        prosody = ET.fromstring(speech(response)).find("prosody")
        assert prosody is not None
        return int(prosody.attrib["rate"].rstrip("%"))

    crisis = answer(envelopes.intent("CrisisIntent", locale=locale))
    plain = answer(envelopes.intent("TherapyNotWorkingIntent", locale=locale))
    assert rate(crisis) < rate(plain)


# --- SSML safety and crisis screening of slot values ------------------------------------------


@pytest.mark.parametrize(
    "text",
    [MARKUP, "</prosody></speak><speak>", "a & b < c > d", "]]><!-- x -->", "&amp; &#x3C;"],
)
def test_to_ssml_escapes_user_text(text: str) -> None:
    ssml = to_ssml([Segment(text, 0)], 90)
    root = ET.fromstring(ssml)
    assert {element.tag for element in root.iter()} == {"speak", "prosody"}
    assert spoken(ssml) == text


@pytest.mark.parametrize(("name", "slot"), SLOTS)
def test_markup_in_a_slot_value_never_reaches_ssml_unescaped(
    answer: Answer, locale: str, name: str, slot: str
) -> None:
    body = answer(envelopes.intent(name, {slot: MARKUP}, locale=locale))["response"]
    ssmls = [body["outputSpeech"]["ssml"]]
    if "reprompt" in body:
        ssmls.append(body["reprompt"]["outputSpeech"]["ssml"])
    for ssml in ssmls:
        assert {element.tag for element in ET.fromstring(ssml).iter()} <= SSML_TAGS
        assert "<audio" not in ssml


@pytest.mark.parametrize(("name", "slot"), [*SLOTS, ("airportInfoIntent", "AirportCode")])
def test_crisis_language_in_a_slot_value_gets_the_crisis_reply(
    answer: Answer, locale: str, name: str, slot: str
) -> None:
    response = answer(envelopes.intent(name, {slot: "I want to kill myself"}, locale=locale))
    assert response["response"]["card"]["title"] == "Support right now"
    assert CRISIS_NUMBER[locale] in card_text(response)


# --- session end ----------------------------------------------------------------------------


@pytest.mark.parametrize("reason", SESSION_END_REASONS)
def test_session_ended_gets_an_empty_response(answer: Answer, locale: str, reason: str) -> None:
    session = Session(locale)
    converse(answer, session, "TherapyNotWorkingIntent")
    body = answer(session.ended(reason))["response"]
    assert not {"outputSpeech", "reprompt", "card"} & set(body)
