"""AWS Lambda entry point: the same skill object as the web service, behind Lambda's trigger.

Lambda gets the request from Alexa itself, so there is no signature to check; the skill id
still is (ask-sdk refuses another skill's requests), so THERAPY_CHECKIN_SKILL_ID is required.
Settings come from the same THERAPY_CHECKIN_* variables as the web service. On Lambda, keep
progress in DynamoDB (THERAPY_CHECKIN_PERSISTENCE=dynamodb): the function's disk does not last.

Handler name for Lambda: ``skill.lambda_function.handler``.
"""

from __future__ import annotations

import json
import logging
from typing import Any, cast

from ask_sdk_core.exceptions import AskSdkException
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_core.skill import CustomSkill
from ask_sdk_model import RequestEnvelope

from skill.builder import build_skill
from skill.config import ENV_PREFIX, ConfigurationError, environment_config
from skill.envelope import check_envelope
from skill.stores import persistence_adapter

log = logging.getLogger(__name__)


def build_lambda_skill() -> CustomSkill:
    """The skill as configured by the environment (ConfigurationError says what is missing)."""
    config = environment_config()
    skill_id = str(config.get("SKILL_ID") or "").strip() or None
    if skill_id is None:
        raise ConfigurationError(
            f"Set {ENV_PREFIX}_SKILL_ID to your skill's id (amzn1.ask.skill...) in the Lambda "
            "function's environment, so that no other skill can use this function"
        )
    return build_skill(skill_id=skill_id, persistence_adapter=persistence_adapter(config))


# Built once per cold start (Lambda's init phase), then reused by every invocation.
_skill = build_lambda_skill()
_serializer = DefaultSerializer()


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Answer one Alexa request; a malformed one raises EnvelopeError, another skill's
    AskSdkException ("Skill ID Verification failed"), and Alexa then tells the user."""
    kind = check_envelope(event)
    request_envelope = _serializer.deserialize(json.dumps(event), RequestEnvelope)
    try:
        response = _skill.invoke(request_envelope=request_envelope, context=context)
    except AskSdkException:
        log.warning("rejected %s: not for this skill", kind)
        raise
    return cast("dict[str, Any]", _serializer.serialize(response))
