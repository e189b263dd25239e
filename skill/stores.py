"""Choosing, from configuration, where rehearsal progress outlives a conversation.

One helper for every entry point (the Flask app and the Lambda handler), so a setting means
the same wherever the skill runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter

from skill.config import ENV_PREFIX, ConfigurationError
from skill.persistence import SQLitePersistenceAdapter

KINDS = ("sqlite", "dynamodb", "none")


def persistence_adapter(config: Mapping[str, Any]) -> AbstractPersistenceAdapter | None:
    """The configured store, ready for requests; None keeps progress for the session only."""
    kind = str(config.get("PERSISTENCE") or "").strip().lower()
    if kind == "none":
        return None
    if kind == "sqlite":
        return SQLitePersistenceAdapter()
    if kind == "dynamodb":
        from skill.dynamodb import dynamodb_adapter  # boto3 is loaded only when chosen

        return dynamodb_adapter(config)
    choices = ", ".join(repr(k) for k in KINDS)
    raise ConfigurationError(
        f"{ENV_PREFIX}_PERSISTENCE must be one of {choices}, not {config.get('PERSISTENCE')!r}"
    )
