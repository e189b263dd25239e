"""ask-sdk-core handler classes: translate Alexa requests to core turns and replies to responses."""

from __future__ import annotations

import logging

from ask_sdk_core.dispatch_components import AbstractExceptionHandler, AbstractRequestHandler
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


def slot_values(request: IntentRequest) -> dict[str, str]:
    """Slot name -> resolved canonical value, or what was heard when nothing resolved."""
    values: dict[str, str] = {}
    slots = request.intent.slots if request.intent else None
    for name, slot in (slots or {}).items():
        value = slot.value
        authorities = getattr(slot.resolutions, "resolutions_per_authority", None) or []
        for authority in authorities:
            if authority.status.code == StatusCode.ER_SUCCESS_MATCH and authority.values:
                value = authority.values[0].value.id or authority.values[0].value.name
                break
        if value:
            values[name] = str(value)
    return values


def turn_from(handler_input: HandlerInput, intent: str, slots: dict[str, str]) -> Turn:
    state = handler_input.attributes_manager.session_attributes or {}
    return Turn(intent=intent, locale=locale_of(handler_input), slots=slots, state=state)


def locale_of(handler_input: HandlerInput) -> str:
    locale = get_locale(handler_input)
    return locale if isinstance(locale, str) and locale else "en-GB"


def render(handler_input: HandlerInput, reply: Reply) -> Response:
    """A core reply as an Alexa response: SSML at the user's rate, reprompt, card, state."""
    handler_input.attributes_manager.session_attributes = dict(reply.state)
    rate = rate_percent(float(reply.state.get("rate", DEFAULT_RATE)), reply.rate_factor)
    builder = handler_input.response_builder.speak(to_ssml(reply.speech, rate))
    if reply.card_text:
        builder.set_card(card_for(reply))
    if reply.end_session:
        builder.set_should_end_session(True)
    else:
        builder.ask(to_ssml(reply.reprompt or reply.speech[-1:], rate))
    return builder.response


def card_for(reply: Reply) -> Card:
    if len(reply.card_text) > LONG_CARD_CHARS:
        return StandardCard(title=reply.card_title, text=reply.card_text)
    return SimpleCard(title=reply.card_title, content=reply.card_text)


class LaunchRequestHandler(AbstractRequestHandler):
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type("LaunchRequest")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        return render(handler_input, respond(turn_from(handler_input, LAUNCH, {})))


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
        return render(handler_input, respond(turn_from(handler_input, name, slot_values(request))))


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
        state = handler_input.attributes_manager.session_attributes or {}
        reply = Reply(
            speech=prompt(content, "error"), reprompt=prompt(content, "reprompt"), state=state
        )
        return render(handler_input, reply)


REQUEST_HANDLERS = (
    LaunchRequestHandler(),
    IntentRequestHandler(),
    SessionEndedRequestHandler(),
    SystemExceptionHandler(),
)
