"""Channel-neutral handlers, one class per kind of turn, tried in order like ask-sdk's."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any, Protocol

from intents import letter_flow, rehearsal_flow
from intents.content import content_for
from intents.crisis import services_for
from intents.rehearsal import scripts
from intents.replies import (
    answer_reply,
    carried,
    crisis_reply,
    part_reply,
    prompt,
    prompt_reply,
)
from intents.reply import DEFAULT_RATE, Reply, Segment, join_text
from intents.turn import Turn

LAUNCH = "LaunchRequest"
FALLBACKS = ("FallbackIntent", "AMAZON.FallbackIntent")
#: Controls that only mean something inside a flow that has steps.
STEP_CONTROLS = (
    "AMAZON.NextIntent",
    "AMAZON.PreviousIntent",
    "AMAZON.PauseIntent",
    "AMAZON.ResumeIntent",
)
#: What survives "start over": preferences and saved progress, not the conversation.
KEPT_ON_START_OVER = ("rate", "progress", "surface")
#: Speech rate bounds and step, in percent of the voice's normal pace.
MIN_RATE, MAX_RATE, RATE_STEP = 60, 130, 15


class Handler(Protocol):
    def can_handle(self, turn: Turn) -> bool: ...

    def handle(self, turn: Turn) -> Reply: ...


class IntentHandler:
    """Base for handlers selected by intent name alone."""

    intents: tuple[str, ...] = ()

    def can_handle(self, turn: Turn) -> bool:
        return turn.intent in self.intents


class LaunchHandler(IntentHandler):
    intents = (LAUNCH,)

    def handle(self, turn: Turn) -> Reply:
        content = content_for(turn.locale)
        reply = prompt_reply(content, "launch", turn.state, LAUNCH, reprompt="launch_reprompt")
        return _with_card(reply, join_text(prompt(content, "disclaimer")))


class CrisisHandler(IntentHandler):
    intents = ("CrisisIntent",)

    def handle(self, turn: Turn) -> Reply:
        return crisis_reply(turn.locale, turn.state)


class RepeatHandler(IntentHandler):
    """Says the last reply again; after a crisis reply that repeats the services."""

    intents = ("AMAZON.RepeatIntent",)

    def handle(self, turn: Turn) -> Reply:
        last = turn.state.get("last")
        if not isinstance(last, dict):
            return prompt_reply(
                content_for(turn.locale), "nothing_to_repeat", turn.state, turn.intent
            )
        return restore(last, turn)


class HelpHandler(IntentHandler):
    intents = ("AMAZON.HelpIntent",)

    def handle(self, turn: Turn) -> Reply:
        content = content_for(turn.locale)
        return prompt_reply(content, "help", turn.state, turn.intent, reprompt="help_reprompt")


class StopHandler(IntentHandler):
    """Ends from anywhere; after a crisis reply the services are said once more first."""

    intents = ("AMAZON.StopIntent", "AMAZON.CancelIntent")

    def handle(self, turn: Turn) -> Reply:
        goodbye = prompt(content_for(turn.locale), "goodbye")
        services = services_for(turn.locale)
        before = services.speech()[1:] if turn.state.get("crisis") else ()
        return Reply(
            speech=(*before, *goodbye),
            card_text=services.card() if before else join_text(goodbye),
            end_session=True,
            state=carried(turn.state),
            intent=turn.intent,
        )


class StartOverHandler(IntentHandler):
    intents = ("AMAZON.StartOverIntent", "AMAZON.NavigateHomeIntent")

    def handle(self, turn: Turn) -> Reply:
        kept = {key: turn.state[key] for key in KEPT_ON_START_OVER if key in turn.state}
        return prompt_reply(content_for(turn.locale), "start_over", kept, turn.intent)


class YesHandler(IntentHandler):
    """Takes up the offer made by the previous reply."""

    intents = ("AMAZON.YesIntent",)

    def handle(self, turn: Turn) -> Reply:
        offer = turn.state.get("offer")
        if not isinstance(offer, dict):
            return prompt_reply(content_for(turn.locale), "not_now", turn.state, turn.intent)
        action, answered = str(offer.get("action")), str(offer.get("intent"))
        if action == "more":
            return more_reply(turn, answered)
        if action == "resume":
            return rehearsal_flow.resume(turn)
        if action == "RehearseIntent":
            return rehearsal_flow.start_for_offer(turn, answered)
        if action == "DraftLetterIntent":
            return letter_flow.begin(turn)
        if action in content_for(turn.locale).answers:
            return answer_reply(turn.locale, action, turn.state)
        return prompt_reply(content_for(turn.locale), "not_now", turn.state, turn.intent)


class NoHandler(IntentHandler):
    intents = ("AMAZON.NoIntent",)

    def handle(self, turn: Turn) -> Reply:
        offer = turn.state.get("offer")
        if isinstance(offer, dict) and offer.get("action") == "resume":
            return rehearsal_flow.choose(turn)
        key = "no_to_offer" if offer else "not_now"
        return prompt_reply(content_for(turn.locale), key, turn.state, turn.intent)


def changed_rate(state: Mapping[str, Any], slower: bool) -> tuple[int, str]:
    """The new speech rate within bounds, and the prompt that says what happened."""
    rate = int(state.get("rate", DEFAULT_RATE))
    changed = min(MAX_RATE, max(MIN_RATE, rate - RATE_STEP if slower else rate + RATE_STEP))
    key = "rate_limit" if changed == rate else "rate_slower" if slower else "rate_faster"
    return changed, key


class SpeechRateHandler(IntentHandler):
    """Slower or faster, kept for next time; says the current thing again at the new pace."""

    intents = ("SpeechRateIntent",)

    def handle(self, turn: Turn) -> Reply:
        content = content_for(turn.locale)
        slower = turn.slots.get("direction") != "faster"
        rate, key = changed_rate(turn.state, slower)
        lead = prompt(content, key, direction="slow" if slower else "fast")
        progress = {**rehearsal_flow.progress_of(turn.state), "rate": rate}
        turn = replace(turn, state={**turn.state, "rate": rate, "progress": progress})
        current = turn.state.get(rehearsal_flow.KEY)
        if isinstance(current, dict) and current.get("script") in scripts():
            script = scripts()[current["script"]]
            return rehearsal_flow.step_reply(turn, script, int(current.get("step", 0)), lead)
        last = turn.state.get("last")
        if not isinstance(last, dict):
            return Reply(speech=lead, reprompt=prompt(content, "reprompt"),
                         state=carried(turn.state), intent=turn.intent)  # fmt: skip
        again = restore(last, turn)
        return replace(again, speech=(*lead, *again.speech), intent=turn.intent)


class StepControlHandler(IntentHandler):
    """Next, back, pause, resume with no steps under way: 'next' takes up a 'more' offer."""

    intents = STEP_CONTROLS

    def handle(self, turn: Turn) -> Reply:
        offer = turn.state.get("offer")
        more = isinstance(offer, dict) and offer.get("action") == "more"
        if turn.intent == "AMAZON.NextIntent" and more:  # "next" after an answer: the detail
            return more_reply(turn, str(turn.state["offer"].get("intent")))
        return prompt_reply(content_for(turn.locale), "not_now", turn.state, turn.intent)


class AnswerHandler:
    """Every content intent: the short answer and its offer."""

    def can_handle(self, turn: Turn) -> bool:
        return turn.intent in content_for(turn.locale).answers

    def handle(self, turn: Turn) -> Reply:
        return answer_reply(turn.locale, turn.intent, turn.state)


class FallbackHandler:
    """Anything not understood, without blame; a second miss in a row offers options."""

    def can_handle(self, turn: Turn) -> bool:
        return True

    def handle(self, turn: Turn) -> Reply:
        misses = int(turn.state.get("misses", 0) or 0)
        key = "fallback_again" if misses else "fallback"
        reply = prompt_reply(content_for(turn.locale), key, turn.state, "FallbackIntent")
        return _with_state(reply, misses=misses + 1)


def more_reply(turn: Turn, intent: str) -> Reply:
    content = content_for(turn.locale)
    answer = content.answers.get(intent)
    if answer is None or answer.more is None:
        return prompt_reply(content, "no_more_detail", turn.state, turn.intent)
    return part_reply(content, intent, answer.more, turn.state, reply_intent=intent)


def restore(last: dict, turn: Turn) -> Reply:
    """Rebuild a stored reply for 'repeat', keeping the offer it made."""

    def segs(key: str) -> tuple[Segment, ...]:
        return tuple(Segment(str(text), int(pause)) for text, pause in last.get(key, []))

    state = carried(turn.state)
    if isinstance(last.get("offer"), dict):
        state["offer"] = last["offer"]
    return Reply(
        speech=segs("speech"),
        reprompt=segs("reprompt"),
        card_title=str(last.get("title", "")),
        card_text=str(last.get("card", "")),
        state=state,
        intent=str(last.get("intent", turn.intent)),
        rate_factor=float(last.get("rate_factor", 1.0)),
    )


def _with_card(reply: Reply, extra: str) -> Reply:
    return replace(reply, card_text=f"{reply.card_text}\n\n{extra}")


def _with_state(reply: Reply, **changes: object) -> Reply:
    return replace(reply, state={**reply.state, **changes})


HANDLERS: tuple[Handler, ...] = (
    LaunchHandler(),
    CrisisHandler(),
    letter_flow.LetterHandler(),
    rehearsal_flow.RehearsalControlHandler(),
    RepeatHandler(),
    HelpHandler(),
    StopHandler(),
    StartOverHandler(),
    YesHandler(),
    NoHandler(),
    SpeechRateHandler(),
    rehearsal_flow.RehearsalStartHandler(),
    StepControlHandler(),
    AnswerHandler(),
    FallbackHandler(),
)


def respond_to(turn: Turn) -> Reply:
    """The first handler that can handle the turn answers it."""
    handler = next(h for h in HANDLERS if h.can_handle(turn))
    return handler.handle(turn)
