"""ask-sdk-core handler classes: translate Alexa requests to core turns and replies to responses."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from ask_sdk_core.dispatch_components import AbstractExceptionHandler, AbstractRequestHandler
from ask_sdk_core.exceptions import AttributesManagerException, PersistenceException
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import get_locale, is_request_type
from ask_sdk_model import IntentRequest, Response, SessionEndedRequest
from ask_sdk_model.slu.entityresolution import StatusCode
from ask_sdk_model.ui import Card, SimpleCard, StandardCard

from intents.catalog import default_catalog
from intents.content import content_for
from intents.dialog import respond
from intents.handlers import LAUNCH
from intents.replies import prompt
from intents.reply import DEFAULT_RATE, Reply
from intents.turn import Turn
from skill.ssml import rate_percent, to_ssml

log = logging.getLogger(__name__)
#: Cards longer than this are Standard cards (a whole letter); Simple otherwise.
LONG_CARD_CHARS = 600


def slot_values(request: IntentRequest) -> tuple[dict[str, str], str]:
    """Slot name -> resolved canonical value (or what was heard), and all the words heard."""
    values: dict[str, str] = {}
    heard: list[str] = []
    slots = request.intent.slots if request.intent else None
    for name, slot in (slots or {}).items():
        value = slot.value
        heard.append(str(slot.value or ""))
        authorities = getattr(slot.resolutions, "resolutions_per_authority", None) or []
        for authority in authorities:
            if authority.status.code == StatusCode.ER_SUCCESS_MATCH and authority.values:
                value = authority.values[0].value.id or authority.values[0].value.name
                break
        if value:
            values[name] = str(value)
    return values, " ".join(h for h in heard if h)


def load_progress(handler_input: HandlerInput) -> dict[str, Any] | None:
    """Saved progress for this user ({} without a store); None when the store failed."""
    manager = handler_input.attributes_manager
    try:
        return dict(manager.persistent_attributes or {})
    except AttributesManagerException:
        return {}
    except PersistenceException as exc:
        log.error("progress store unavailable, answering without it: %s", type(exc).__name__)
        return None


def save_progress(handler_input: HandlerInput, progress: dict[str, Any]) -> bool:
    """Keep progress for the next conversation; False when the store failed."""
    manager = handler_input.attributes_manager
    try:
        manager.persistent_attributes = progress
        manager.save_persistent_attributes()
    except AttributesManagerException:
        pass  # no store configured: progress lives for the session only
    except PersistenceException as exc:
        log.error("progress not saved: %s", type(exc).__name__)
        return False
    return True


def answer(handler_input: HandlerInput, intent: str, slots: dict[str, str], heard: str) -> Response:
    """Run one turn through the core, keeping progress in the store when it changed."""
    state = dict(handler_input.attributes_manager.session_attributes or {})
    kept = True
    if not isinstance(state.get("progress"), dict):
        loaded = load_progress(handler_input)
        kept = loaded is not None
        state["progress"] = loaded or {}
    locale = locale_of(handler_input)
    turn = Turn(intent=intent, locale=locale, slots=slots, state=state, text=heard)
    reply = respond(turn)
    if reply.state.get("progress") != state["progress"]:
        kept = save_progress(handler_input, dict(reply.state.get("progress") or {})) and kept
    return render(handler_input, reply if kept else with_progress_notice(reply, locale))


def with_progress_notice(reply: Reply, locale: str) -> Reply:
    """The reply, first saying that the user's place may be forgotten: the store failed, and
    silence would leave them wondering. Crisis replies stay exactly as reviewed."""
    if reply.intent == "CrisisIntent":
        return reply
    notice = prompt(content_for(locale), "progress_unavailable")
    return replace(reply, speech=notice + reply.speech)


def locale_of(handler_input: HandlerInput) -> str:
    locale = get_locale(handler_input)
    return locale if isinstance(locale, str) and locale else "en-GB"


def render(handler_input: HandlerInput, reply: Reply) -> Response:
    """A core reply as an Alexa response: SSML at the user's rate, reprompt, card, state."""
    handler_input.attributes_manager.session_attributes = dict(reply.state)
    rate = speech_rate(reply)
    builder = handler_input.response_builder.speak(to_ssml(reply.speech, rate))
    if reply.card_text:
        builder.set_card(card_for(reply))
    if reply.end_session:
        builder.set_should_end_session(True)
    else:
        builder.ask(to_ssml(reply.reprompt or reply.speech[-1:], rate))
    return builder.response


def speech_rate(reply: Reply) -> int:
    """Prosody percent; a stored rate that is not a finite number (session attributes come
    back from the client) falls back to the default instead of failing every render."""
    try:
        return rate_percent(float(reply.state.get("rate", DEFAULT_RATE)), reply.rate_factor)
    except (TypeError, ValueError, OverflowError):
        return rate_percent(DEFAULT_RATE)


def card_for(reply: Reply) -> Card:
    if reply.card_is_document or len(reply.card_text) > LONG_CARD_CHARS:
        return StandardCard(title=reply.card_title, text=reply.card_text)
    return SimpleCard(title=reply.card_title, content=reply.card_text)


class LaunchRequestHandler(AbstractRequestHandler):
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type("LaunchRequest")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        return answer(handler_input, LAUNCH, {}, "")


class IntentRequestHandler(AbstractRequestHandler):
    """Every intent, catalog or built-in; names the catalog lacks are treated as Fallback."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type("IntentRequest")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        request = handler_input.request_envelope.request
        assert isinstance(request, IntentRequest)
        name = request.intent.name if request.intent else ""
        if name not in default_catalog().intents:
            log.info("unknown intent name mapped to FallbackIntent")
            name = "FallbackIntent"
        return answer(handler_input, name, *slot_values(request))


class SessionEndedRequestHandler(AbstractRequestHandler):
    """Alexa allows no speech here; log why the session ended (never what was said)."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type("SessionEndedRequest")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        request = handler_input.request_envelope.request
        assert isinstance(request, SessionEndedRequest)
        reason = getattr(request.reason, "value", request.reason)
        error = getattr(getattr(request.error, "object_type", None), "value", None)
        log.info("session ended reason=%s error_type=%s", reason, error)
        return handler_input.response_builder.response


class SystemExceptionHandler(AbstractRequestHandler):
    """Alexa reports that a response we sent was invalid; it expects no speech back."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type("System.ExceptionEncountered")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        log.warning("Alexa reported System.ExceptionEncountered")
        return handler_input.response_builder.response


class CatchAllExceptionHandler(AbstractExceptionHandler):
    """Answers kindly whatever failed, and logs the failure without any user text."""

    def can_handle(self, handler_input: HandlerInput, exception: Exception) -> bool:
        return True

    def handle(self, handler_input: HandlerInput, exception: Exception) -> Response:
        log.error("handler failed: %s", type(exception).__name__)
        content = content_for(locale_of(handler_input))
        # A fresh state: sending back whatever broke this turn would break every later one.
        reply = Reply(speech=prompt(content, "error"), reprompt=prompt(content, "reprompt"))
        return render(handler_input, reply)


REQUEST_HANDLERS = (
    LaunchRequestHandler(),
    IntentRequestHandler(),
    SessionEndedRequestHandler(),
    SystemExceptionHandler(),
)
