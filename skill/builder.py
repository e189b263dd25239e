"""The skill object, built once and shared by the Flask app, tests and a Lambda entry point."""

from __future__ import annotations

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_core.skill import CustomSkill
from ask_sdk_core.skill_builder import CustomSkillBuilder

from skill.handlers import REQUEST_HANDLERS, CatchAllExceptionHandler

#: Request types the skill answers; anything else is rejected before reaching a handler.
REQUEST_TYPES = (
    "LaunchRequest",
    "IntentRequest",
    "SessionEndedRequest",
    "System.ExceptionEncountered",
)


def build_skill(
    skill_id: str | None = None, persistence_adapter: AbstractPersistenceAdapter | None = None
) -> CustomSkill:
    """Handlers in order; the persistence adapter keeps rehearsal progress between sessions."""
    builder = CustomSkillBuilder(persistence_adapter=persistence_adapter)  # type: ignore[arg-type]
    for handler in REQUEST_HANDLERS:
        builder.add_request_handler(handler)
    builder.add_exception_handler(CatchAllExceptionHandler())
    builder.skill_id = skill_id  # type: ignore[assignment]
    return builder.create()
