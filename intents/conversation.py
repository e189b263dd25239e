"""A conversation held by the core itself, for channels without Alexa's understanding."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from intents.dialog import respond
from intents.handlers import LAUNCH
from intents.reply import Reply
from intents.turn import Turn
from intents.understanding import understand


class Conversation:
    """Keeps the dialog state between turns, as Alexa's session attributes do for the skill."""

    def __init__(self, locale: str = "en-GB", state: dict[str, Any] | None = None) -> None:
        self.locale = locale
        self.state: dict[str, Any] = dict(state or {})
        self.ended = False

    def start(self) -> Reply:
        return self.handle(LAUNCH)

    def say(self, text: str) -> Reply:
        """Understand what the user said (crisis screening first) and answer it."""
        recognition = understand(text, self.state)
        return self.handle(
            recognition.intent, recognition.slots, text=text, confidence=recognition.confidence
        )

    def handle(
        self,
        intent: str,
        slots: Mapping[str, str] | None = None,
        *,
        text: str = "",
        confidence: float = 1.0,
    ) -> Reply:
        turn = Turn(
            intent=intent,
            locale=self.locale,
            slots=slots or {},
            state=self.state,
            text=text,
            confidence=confidence,
        )
        reply = respond(turn)
        self.state = dict(reply.state)
        self.ended = reply.end_session
        return reply

    @property
    def expects_free_text(self) -> bool:
        """True when the next answer is the user's own words (a letter answer, a rehearsal)."""
        return bool(self.state.get("expects_free_text"))
