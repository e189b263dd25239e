"""One turn through the core: crisis screen first, then the handlers, then state bookkeeping."""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from typing import Any

from intents.handlers import FALLBACKS, respond_to
from intents.reply import Reply
from intents.safety import crisis_language
from intents.turn import Turn

log = logging.getLogger(__name__)


def screened(turn: Turn) -> Turn:
    """The turn, rerouted to CrisisIntent if anything the user said holds crisis language."""
    if turn.intent == "CrisisIntent":
        return turn
    texts = [turn.text, *turn.slots.values()]
    if any(text and crisis_language(text) for text in texts):
        return turn.with_intent("CrisisIntent")
    return turn


def remembered(reply: Reply) -> dict[str, Any]:
    """What 'repeat' needs to say a reply again."""
    return {
        "speech": [[s.text, s.pause_ms] for s in reply.speech],
        "reprompt": [[s.text, s.pause_ms] for s in reply.reprompt],
        "title": reply.card_title,
        "card": reply.card_text,
        "intent": reply.intent,
        "rate_factor": reply.rate_factor,
        "offer": reply.state.get("offer"),
    }


def respond(turn: Turn) -> Reply:
    """Answer one turn; the reply's state is the whole state for the next turn."""
    started = time.perf_counter()
    turn = screened(turn)
    reply = respond_to(turn)
    state = dict(reply.state)
    if reply.intent not in FALLBACKS:
        state["misses"] = 0
    if turn.intent != "AMAZON.RepeatIntent":
        state["last"] = remembered(reply)
    # Intent names and timings only: never the user's words.
    log.info(
        "turn intent=%s reply=%s ms=%.1f",
        turn.intent,
        reply.intent,
        (time.perf_counter() - started) * 1000,
    )
    return replace(reply, state=state)
