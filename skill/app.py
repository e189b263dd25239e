"""Flask app factory for the Alexa endpoint: verify, check the envelope, invoke the skill."""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Mapping
from typing import Any

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_core.skill import CustomSkill
from ask_sdk_model import RequestEnvelope
from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from skill.builder import build_skill
from skill.config import ENV_PREFIX, ConfigurationError, DefaultConfig
from skill.envelope import EnvelopeError, check_envelope
from skill.stores import persistence_adapter
from skill.verification import RequestVerifier, VerificationError, VerifierSettings

log = logging.getLogger(__name__)


def create_app(
    config: Mapping[str, Any] | None = None,
    *,
    verifier: RequestVerifier | None = None,
    skill: CustomSkill | None = None,
) -> Flask:
    """Build the app. Tests pass a verifier that trusts a throwaway CA; production never does.

    `skill` replaces this skill behind the same endpoint, so a benchmark can serve a
    hello-world skill exactly the way this one is served.
    """
    app = Flask(__name__)
    app.config.from_object(DefaultConfig)
    app.config.from_prefixed_env(ENV_PREFIX)
    app.config.update(config or {})
    skill_id = app.config["SKILL_ID"] or None
    if app.config["VERIFY"] and verifier is None:
        if not skill_id:
            raise ConfigurationError(
                f"Set {ENV_PREFIX}_SKILL_ID to your skill's id (amzn1.ask.skill...), "
                "or pass --no-verify for local testing only."
            )
        settings = VerifierSettings(
            skill_id=skill_id, download_timeout_s=float(app.config["CERT_DOWNLOAD_TIMEOUT"])
        )
        verifier = RequestVerifier(settings)
    if not app.config["VERIFY"]:
        verifier = None
        log.warning("REQUEST VERIFICATION IS OFF: never expose this server to the internet")
    # The application id is checked before any parsing by ask-sdk, so the skill gets none.
    skill = skill or build_skill(persistence_adapter=_persistence(app.config))
    _register(app, skill, verifier, skill_id)
    return app


def _register(
    app: Flask, skill: CustomSkill, verifier: RequestVerifier | None, skill_id: str | None
) -> None:
    serializer = DefaultSerializer()

    @app.post(app.config["ENDPOINT"])
    def alexa() -> Response | tuple[Response, int]:
        started = time.perf_counter()
        body = request.get_data(cache=False)  # 413 past MAX_CONTENT_LENGTH
        limit = app.config["MAX_CONTENT_LENGTH"]
        if request.content_length is None and limit is not None and len(body) >= limit:
            # A chunked body has no length to refuse up front, and werkzeug silently stops
            # reading it at the cap: refuse it rather than parse a truncated body.
            raise RequestEntityTooLarge()
        try:
            envelope = json.loads(body, parse_constant=_not_json, parse_float=_finite)
            if verifier is not None:
                verifier.verify(request.headers, body, envelope)
            elif skill_id:
                _check_application_id(envelope, skill_id)
            kind = check_envelope(envelope)
            request_envelope = serializer.deserialize(body.decode("utf-8"), RequestEnvelope)
        except VerificationError as exc:
            log.info("rejected: verification failed (%s)", exc.reason)
            return _error(400, f"request failed verification: {exc.reason}")
        except (ValueError, EnvelopeError, TypeError) as exc:
            log.info("rejected: malformed request (%s)", type(exc).__name__)
            return _error(400, "malformed request envelope")
        except Exception as exc:  # the deserializer raises its own types on odd shapes
            log.info("rejected: undeserializable request (%s)", type(exc).__name__)
            return _error(400, "malformed request envelope")
        response = skill.invoke(request_envelope=request_envelope, context=None)
        log.info("answered %s in %.1f ms", kind, (time.perf_counter() - started) * 1000)
        return jsonify(serializer.serialize(response))

    @app.get("/healthz")
    def healthz() -> Response:
        return jsonify(status="ok", verify=verifier is not None)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> tuple[Response, int]:
        return _error(exc.code or 500, exc.description or exc.name)


def _persistence(config: Mapping[str, Any]) -> AbstractPersistenceAdapter | None:
    """SQLite, DynamoDB or none, as configured (see skill.stores)."""
    return persistence_adapter(config)


def _check_application_id(envelope: Any, skill_id: str) -> None:
    if not isinstance(envelope, dict):
        raise EnvelopeError("the body must be a JSON object")
    system = (envelope.get("context") or {}).get("System") or {}
    session = envelope.get("session") or {}
    app_ids = [
        (system.get("application") or {}).get("applicationId"),
        (session.get("application") or {}).get("applicationId"),
    ]
    application_id = next((a for a in app_ids if a), None)
    if application_id != skill_id:
        raise VerificationError("application_id", "application id is not this skill's")


def _not_json(name: str) -> Any:
    """NaN and Infinity are not JSON; echoed back in sessionAttributes, they would break ours."""
    raise ValueError(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    """A number too big for a float (1e400) would come back out as Infinity: refuse it."""
    value = float(text)
    if not math.isfinite(value):
        raise ValueError("number out of range")
    return value


def _error(status: int, message: str) -> tuple[Response, int]:
    return jsonify(error=message), status
