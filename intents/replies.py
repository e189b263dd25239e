"""Building replies from content: answers with their offers, prompts, and the crisis reply."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from intents.content import Content, Part, content_for
from intents.crisis import CRISIS_RATE_FACTOR, services_for
from intents.reply import Reply, Segment, join_text, segments

#: State keys that only live for one turn: an offer must be answered straight away.
TRANSIENT_KEYS = ("offer",)


def carried(state: Mapping[str, Any], **changes: Any) -> dict[str, Any]:
    """The state for the next turn: this turn's, minus one-turn keys, plus changes."""
    kept = {key: value for key, value in state.items() if key not in TRANSIENT_KEYS}
    kept.update(changes)
    return kept


def prompt(content: Content, key: str, **values: object) -> tuple[Segment, ...]:
    """A prompt's sentences, with any {placeholders} filled from values."""
    return segments([text.format(**values) for text in content.prompts[key]])


def prompt_reply(
    content: Content, key: str, state: Mapping[str, Any], intent: str, reprompt: str = "reprompt"
) -> Reply:
    speech = prompt(content, key)
    return Reply(
        speech=speech,
        reprompt=prompt(content, reprompt),
        card_text=join_text(speech),
        state=carried(state),
        intent=intent,
    )


def part_reply(
    content: Content, intent: str, part: Part, state: Mapping[str, Any], reply_intent: str = ""
) -> Reply:
    """An answer part, ending with its next-step offer, which 'yes' then takes up."""
    offer = content.offers[part.offer]
    speech = (*segments(part.speech), Segment(offer.ask))
    return Reply(
        speech=speech,
        reprompt=(Segment(offer.ask),),
        card_title=content.answers[intent].title,
        card_text=join_text(segments(part.speech)),
        state=carried(state, offer={"action": offer.action, "intent": intent}),
        intent=reply_intent or intent,
    )


def answer_reply(locale: str, intent: str, state: Mapping[str, Any]) -> Reply:
    content = content_for(locale)
    return part_reply(content, intent, content.answers[intent].short, state)


def crisis_reply(locale: str, state: Mapping[str, Any]) -> Reply:
    """Calm, slow, the services for the locale, an offer to repeat, and a way to carry on."""
    services = services_for(locale)
    after = prompt(content_for(locale), "crisis_after")
    return Reply(
        speech=(*services.speech(), *after),
        reprompt=after,
        card_title="Support right now",
        card_text=services.card(),
        state=carried(state, crisis=True, misses=0),
        intent="CrisisIntent",
        rate_factor=CRISIS_RATE_FACTOR,
    )
