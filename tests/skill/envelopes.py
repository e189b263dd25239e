"""Alexa request envelopes as plain dicts, shaped like the ones Alexa posts.

`launch`, `intent` and `session_ended` build one request; `Session` strings several into a
conversation, copying each response's ``sessionAttributes`` into the next request's
``session.attributes`` exactly as Alexa does. `deserialize` turns a dict into the
ask-sdk-model ``RequestEnvelope`` that ``CustomSkill.invoke`` takes.
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import RequestEnvelope

SKILL_ID = "amzn1.ask.skill.11111111-2222-3333-4444-555555555555"
#: Another skill's id: requests for it must be refused.
OTHER_SKILL_ID = "amzn1.ask.skill.99999999-8888-7777-6666-555555555555"
USER_ID = "amzn1.ask.account.TESTUSER"
DEVICE_ID = "amzn1.ask.device.TESTDEVICE"
LOCALES = ("en-GB", "en-US")
SESSION_END_REASONS = ("USER_INITIATED", "ERROR", "EXCEEDED_MAX_REPROMPTS")

Envelope = dict[str, Any]


def iso(moment: datetime) -> str:
    """The timestamp format Alexa sends: 2015-05-13T12:34:56Z."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _envelope(
    request: dict[str, Any],
    *,
    locale: str,
    attributes: Mapping[str, Any] | None,
    new: bool,
    session_id: str | None,
    skill_id: str,
    timestamp: datetime | None,
) -> Envelope:
    application = {"applicationId": skill_id}
    return {
        "version": "1.0",
        "session": {
            "new": new,
            "sessionId": session_id or f"amzn1.echo-api.session.{uuid.uuid4()}",
            "application": dict(application),
            "attributes": copy.deepcopy(dict(attributes or {})),
            "user": {"userId": USER_ID},
        },
        "context": {
            "System": {
                "application": dict(application),
                "user": {"userId": USER_ID},
                "device": {"deviceId": DEVICE_ID, "supportedInterfaces": {}},
                "apiEndpoint": "https://api.eu.amazonalexa.com",
            }
        },
        "request": {
            "requestId": f"amzn1.echo-api.request.{uuid.uuid4()}",
            "timestamp": iso(timestamp or datetime.now(timezone.utc)),
            "locale": locale,
            **request,
        },
    }


def launch(
    *,
    locale: str = "en-GB",
    attributes: Mapping[str, Any] | None = None,
    new: bool = True,
    session_id: str | None = None,
    skill_id: str = SKILL_ID,
    timestamp: datetime | None = None,
) -> Envelope:
    return _envelope(
        {"type": "LaunchRequest"},
        locale=locale, attributes=attributes, new=new, session_id=session_id,
        skill_id=skill_id, timestamp=timestamp,
    )  # fmt: skip


def slot(name: str, value: str | None, *, resolved_id: str | None = None) -> dict[str, Any]:
    """One slot as Alexa sends it; ``resolved_id`` adds a successful entity resolution."""
    data: dict[str, Any] = {"name": name, "confirmationStatus": "NONE"}
    if value is not None:
        data["value"] = value
    if resolved_id is not None:
        data["resolutions"] = {
            "resolutionsPerAuthority": [
                {
                    "authority": f"amzn1.er-authority.echo-sdk.{SKILL_ID}.Type",
                    "status": {"code": "ER_SUCCESS_MATCH"},
                    "values": [{"value": {"name": value, "id": resolved_id}}],
                }
            ]
        }
    return data


def intent(
    name: str,
    slots: Mapping[str, str | dict[str, Any]] | None = None,
    *,
    locale: str = "en-GB",
    attributes: Mapping[str, Any] | None = None,
    new: bool = False,
    session_id: str | None = None,
    dialog_state: str | None = None,
    skill_id: str = SKILL_ID,
    timestamp: datetime | None = None,
) -> Envelope:
    """An IntentRequest; slot values may be plain strings or `slot(...)` dicts."""
    built = {
        key: value if isinstance(value, dict) else slot(key, value)
        for key, value in (slots or {}).items()
    }
    request: dict[str, Any] = {
        "type": "IntentRequest",
        "intent": {"name": name, "confirmationStatus": "NONE", "slots": built},
    }
    if dialog_state is not None:
        request["dialogState"] = dialog_state
    return _envelope(
        request,
        locale=locale, attributes=attributes, new=new, session_id=session_id,
        skill_id=skill_id, timestamp=timestamp,
    )  # fmt: skip


def session_ended(
    reason: str = "USER_INITIATED",
    *,
    error: Mapping[str, str] | None = None,
    locale: str = "en-GB",
    attributes: Mapping[str, Any] | None = None,
    session_id: str | None = None,
    skill_id: str = SKILL_ID,
    timestamp: datetime | None = None,
) -> Envelope:
    """A SessionEndedRequest; reason ERROR gets a default error object unless one is given."""
    request: dict[str, Any] = {"type": "SessionEndedRequest", "reason": reason}
    if error is None and reason == "ERROR":
        error = {"type": "INVALID_RESPONSE", "message": "An exception occurred"}
    if error is not None:
        request["error"] = dict(error)
    return _envelope(
        request,
        locale=locale, attributes=attributes, new=False, session_id=session_id,
        skill_id=skill_id, timestamp=timestamp,
    )  # fmt: skip


def deserialize(envelope: Envelope) -> RequestEnvelope:
    """The RequestEnvelope ask-sdk would build from these bytes."""
    return DefaultSerializer().deserialize(json.dumps(envelope), RequestEnvelope)


@dataclass
class Session:
    """One conversation: same session id and locale, attributes carried from each response."""

    locale: str = "en-GB"
    session_id: str = field(default_factory=lambda: f"amzn1.echo-api.session.{uuid.uuid4()}")
    attributes: dict[str, Any] = field(default_factory=dict)
    started: bool = False

    def launch(self) -> Envelope:
        return self._next(launch(locale=self.locale, **self._carried()))

    def intent(
        self, name: str, slots: Mapping[str, str | dict[str, Any]] | None = None
    ) -> Envelope:
        return self._next(intent(name, slots, locale=self.locale, **self._carried()))

    def ended(self, reason: str = "USER_INITIATED") -> Envelope:
        envelope = session_ended(
            reason, locale=self.locale, attributes=self.attributes, session_id=self.session_id
        )
        return self._next(envelope)

    def absorb(self, response: Mapping[str, Any]) -> Mapping[str, Any]:
        """Take a serialised response; its sessionAttributes are what Alexa sends back next."""
        self.attributes = copy.deepcopy(response.get("sessionAttributes") or {})
        return response

    def _carried(self) -> dict[str, Any]:
        return {
            "attributes": self.attributes,
            "new": not self.started,
            "session_id": self.session_id,
        }

    def _next(self, envelope: Envelope) -> Envelope:
        self.started = True
        return envelope
