"""Shape checks on a parsed request body, so malformed envelopes never reach a handler.

ask-sdk-model's deserializer accepts many wrong shapes (a string where an object belongs,
missing ids) and the handlers would then fail deep inside; checking the few fields the
skill relies on up front turns every such body into a clear 400.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from skill.builder import REQUEST_TYPES


class EnvelopeError(ValueError):
    """The body is JSON but not an Alexa request envelope this skill can answer."""


def _require(mapping: Mapping[str, Any], key: str, kind: type, where: str) -> Any:
    value = mapping.get(key)
    if not isinstance(value, kind):
        raise EnvelopeError(f"{where}.{key} must be a {kind.__name__}")
    return value


def _optional(mapping: Mapping[str, Any], key: str, kind: type, where: str) -> Any:
    if mapping.get(key) is None:
        return None
    return _require(mapping, key, kind, where)


#: Alexa's envelopes (APL contexts included) and our session attributes nest far less; deeper
#: bodies would overflow the stack in ask-sdk's deepcopy of the attributes (a 500).
MAX_DEPTH = 100


def _deeper_than(value: Any, limit: int) -> bool:
    """Iterative, so checking the depth cannot itself overflow the stack."""
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, (dict, list)):
            if depth > limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            pending.extend((child, depth + 1) for child in children)
    return False


def check_envelope(envelope: Any) -> str:
    """Raise EnvelopeError unless the envelope has the shape the skill needs; return its type."""
    if not isinstance(envelope, dict):
        raise EnvelopeError("the body must be a JSON object")
    if _deeper_than(envelope, MAX_DEPTH):
        raise EnvelopeError(f"the body nests deeper than {MAX_DEPTH} levels")
    _require(envelope, "version", str, "envelope")
    request = _require(envelope, "request", dict, "envelope")
    kind = _require(request, "type", str, "request")
    if kind not in REQUEST_TYPES:
        raise EnvelopeError(f"request type {kind[:60]!r} is not one this skill answers")
    _require(request, "requestId", str, "request")
    _require(request, "timestamp", str, "request")
    _optional(request, "locale", str, "request")
    if kind == "IntentRequest":
        intent = _require(request, "intent", dict, "request")
        _require(intent, "name", str, "request.intent")
        slots = _optional(intent, "slots", dict, "request.intent") or {}
        for name, slot in slots.items():
            if not isinstance(slot, dict):
                raise EnvelopeError(f"request.intent.slots.{str(name)[:40]} must be an object")
            _optional(slot, "value", str, "request.intent.slots")
    session = _optional(envelope, "session", dict, "envelope")
    if session is not None:
        _require(session, "sessionId", str, "session")
        _optional(session, "attributes", dict, "session")
        user = _require(session, "user", dict, "session")
        _require(user, "userId", str, "session.user")
    elif kind in ("LaunchRequest", "IntentRequest"):
        raise EnvelopeError("envelope.session is required for this request type")
    context = _optional(envelope, "context", dict, "envelope")
    if context is not None:
        _optional(context, "System", dict, "context")
    return kind
