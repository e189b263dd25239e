"""One user turn as every channel hands it to the core."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Turn:
    """What the user did this turn, already understood by the channel or the core."""

    intent: str
    """Intent name from the catalog, an AMAZON.* built-in, or LaunchRequest."""

    locale: str = "en-GB"
    """The user's locale; picks content and crisis services."""

    slots: Mapping[str, str] = field(default_factory=dict)
    """Slot name -> resolved value (canonical where the slot type has one)."""

    state: Mapping[str, Any] = field(default_factory=dict)
    """Dialog state carried from the previous reply."""

    text: str = ""
    """The user's own words where the channel has them (offline input, captured slots)."""

    confidence: float = 1.0
    """How sure understanding was; Alexa turns are 1.0."""

    speech_seconds: float = 0.0
    """How long the user spoke, where the channel measured it (offline speech)."""

    def with_intent(self, intent: str, **changes: Any) -> Turn:
        return Turn(**{**self.__dict__, "intent": intent, **changes})
