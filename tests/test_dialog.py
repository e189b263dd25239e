"""Multi-turn behaviour of the core, as any channel sees it."""

from __future__ import annotations

import pytest

from intents.content import LOCALES, content_for
from intents.conversation import Conversation
from intents.reply import Reply


def _has(reply: Reply, prompt_key: str, locale: str = "en-GB") -> bool:
    return content_for(locale).prompts[prompt_key][0] in reply.text


@pytest.mark.parametrize("locale", LOCALES)
def test_launch_says_what_it_does_and_that_it_is_not_professional_help(locale: str) -> None:
    reply = Conversation(locale).start()
    assert _has(reply, "launch", locale)
    assert "professional" in (reply.text + reply.card_text).lower()
    assert reply.reprompt and not reply.end_session


@pytest.mark.parametrize("intent", sorted(content_for("en-GB").answers))
def test_each_answer_ends_with_the_offer_of_a_next_step(intent: str) -> None:
    content = content_for("en-GB")
    offer = content.offers[content.answers[intent].short.offer]
    conversation = Conversation()
    answer = conversation.handle(intent)
    assert answer.text.endswith(offer.ask)
    assert conversation.state["offer"]["action"] == offer.action


def test_yes_after_the_more_offer_gives_the_longer_detail() -> None:
    conversation = Conversation()
    conversation.handle("TherapyNotWorkingIntent")
    more = content_for("en-GB").answers["TherapyNotWorkingIntent"].more
    assert more is not None
    reply = conversation.handle("AMAZON.YesIntent")
    assert reply.text.startswith(more.speech[0])


def test_no_after_an_offer_is_accepted_gently_and_keeps_going() -> None:
    conversation = Conversation()
    conversation.handle("HomeworkIntent")
    reply = conversation.handle("AMAZON.NoIntent")
    assert _has(reply, "no_to_offer") and not reply.end_session


def test_yes_with_nothing_offered_does_not_guess() -> None:
    reply = Conversation().handle("AMAZON.YesIntent")
    assert _has(reply, "not_now")


def test_repeat_says_the_last_reply_again_and_keeps_its_offer() -> None:
    conversation = Conversation()
    answer = conversation.handle("DischargeIntent")
    again = conversation.handle("AMAZON.RepeatIntent")
    assert again.text == answer.text
    assert conversation.state["offer"] == answer.state["offer"]


def test_repeat_twice_still_repeats_the_answer() -> None:
    conversation = Conversation()
    answer = conversation.handle("DischargeIntent")
    conversation.handle("AMAZON.RepeatIntent")
    assert conversation.handle("AMAZON.RepeatIntent").text == answer.text


def test_repeat_before_anything_was_said_explains() -> None:
    assert _has(Conversation().handle("AMAZON.RepeatIntent"), "nothing_to_repeat")


def test_start_over_forgets_the_conversation_but_keeps_the_speech_rate() -> None:
    conversation = Conversation(state={"rate": 80})
    conversation.handle("HomeworkIntent")
    reply = conversation.handle("AMAZON.StartOverIntent")
    assert _has(reply, "start_over")
    assert "offer" not in conversation.state and conversation.state["rate"] == 80


@pytest.mark.parametrize("before", [None, "HomeworkIntent", "CrisisIntent", "AMAZON.HelpIntent"])
@pytest.mark.parametrize("stop", ["AMAZON.StopIntent", "AMAZON.CancelIntent"])
def test_stop_ends_from_anywhere(before: str | None, stop: str) -> None:
    conversation = Conversation()
    conversation.start()
    if before:
        conversation.handle(before)
    reply = conversation.handle(stop)
    assert reply.end_session and conversation.ended
    assert _has(reply, "goodbye")


def test_stop_after_a_crisis_reply_names_the_services_once_more() -> None:
    conversation = Conversation()
    conversation.handle("CrisisIntent")
    reply = conversation.handle("AMAZON.StopIntent")
    assert "one one six" in reply.text and "116 123" in reply.card_text


@pytest.mark.parametrize(
    ("locale", "spoken", "shown"),
    [
        ("en-GB", "nine nine nine", "116 123"),
        ("en-GB", "option two", "85258"),
        ("en-US", "nine eight eight", "988"),
    ],
)
def test_crisis_reply_names_the_locale_services_slowly(
    locale: str, spoken: str, shown: str
) -> None:
    reply = Conversation(locale).handle("CrisisIntent")
    assert spoken in reply.text and shown in reply.card_text
    assert reply.rate_factor < 1
    services = [segment for segment in reply.speech if "call" in segment.text]
    assert services and all(segment.pause_ms >= 1000 for segment in services)
    assert not reply.end_session
    assert "call" in reply.text and "I can't call" in reply.text


def test_crisis_reply_is_offered_again_on_repeat() -> None:
    conversation = Conversation()
    crisis = conversation.handle("CrisisIntent")
    assert conversation.handle("AMAZON.RepeatIntent").text == crisis.text


def test_after_a_crisis_reply_the_user_can_carry_on() -> None:
    conversation = Conversation()
    conversation.handle("CrisisIntent")
    reply = conversation.handle("HomeworkIntent")
    assert reply.intent == "HomeworkIntent" and not reply.end_session


@pytest.mark.parametrize("state", [{}, {"offer": {"action": "more", "intent": "HomeworkIntent"}}])
def test_crisis_language_is_screened_in_every_state(state: dict) -> None:
    conversation = Conversation(state=state)
    reply = conversation.handle("AMAZON.YesIntent", text="yes but honestly I want to die")
    assert reply.intent == "CrisisIntent"


def test_crisis_language_in_a_slot_value_is_screened() -> None:
    reply = Conversation().handle("DraftLetterIntent", {"format": "I can't go on"})
    assert reply.intent == "CrisisIntent"


def test_a_second_misunderstanding_offers_options_instead_of_repeating() -> None:
    conversation = Conversation()
    first = conversation.handle("FallbackIntent")
    second = conversation.handle("FallbackIntent")
    assert _has(first, "fallback") and _has(second, "fallback_again")
    conversation.handle("HomeworkIntent")
    assert _has(conversation.handle("FallbackIntent"), "fallback")


def test_help_keeps_the_session_open() -> None:
    reply = Conversation().handle("AMAZON.HelpIntent")
    assert _has(reply, "help") and not reply.end_session and reply.reprompt


@pytest.mark.parametrize("control", ["AMAZON.PreviousIntent", "AMAZON.PauseIntent"])
def test_step_controls_outside_a_flow_explain_kindly(control: str) -> None:
    assert _has(Conversation().handle(control), "not_now")


def test_a_typed_conversation_at_debug_leaves_no_user_text_in_the_logs(caplog) -> None:
    import logging

    caplog.set_level(logging.DEBUG)
    conversation = Conversation(surface="offline")
    conversation.start()
    for text in (
        "QUOKKAMARKER my therapy isnt working",
        "yes",
        "help me write a letter",
        "yes",
        "QUOKKAMARKER she talks over me",
        "QUOKKAMARKER a break",
        "Quokkamarker",
        "skip",
    ):
        conversation.say(text)
    logged = " ".join(f"{r.getMessage()} {r.args}" for r in caplog.records)
    assert caplog.records and "quokkamarker" not in logged.lower()
