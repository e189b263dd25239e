"""A conversation held by the core itself, for channels without Alexa's understanding."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Protocol

from intents import letter_flow, rehearsal_flow
from intents.dialog import respond
from intents.handlers import LAUNCH
from intents.reply import Reply
from intents.turn import Turn
from intents.understanding import Recognition, understand

log = logging.getLogger(__name__)
#: Said during free speech, these still steer (exact built-in phrasings only, e.g. "next").
STEERING = (
    "AMAZON.NextIntent",
    "AMAZON.PreviousIntent",
    "AMAZON.RepeatIntent",
    "AMAZON.StopIntent",
    "AMAZON.CancelIntent",
    "AMAZON.StartOverIntent",
    "AMAZON.PauseIntent",
    "AMAZON.HelpIntent",
    "SpeechRateIntent",
    "LetterActionIntent",
    "ListScriptsIntent",
)


class ProgressKeeper(Protocol):
    """Where progress outlives a conversation (intents.progress_store.ProgressStore)."""

    def load(self, key: str) -> dict[str, Any]: ...

    def save(self, key: str, data: Mapping[str, Any]) -> None: ...


class Conversation:
    """Keeps the dialog state between turns, as Alexa's session attributes do for the skill."""

    def __init__(
        self,
        locale: str = "en-GB",
        state: dict[str, Any] | None = None,
        *,
        surface: str = "",
        store: ProgressKeeper | None = None,
        profile: str = "local:default",
    ) -> None:
        self.locale = locale
        self.state: dict[str, Any] = dict(state or {})
        if surface:
            self.state["surface"] = surface
        self.store, self.profile = store, profile
        if store is not None and "progress" not in self.state:
            self.state["progress"] = store.load(profile)
            if "rate" in self.state["progress"]:
                self.state.setdefault("rate", self.state["progress"]["rate"])
        self.ended = False

    def start(self) -> Reply:
        return self.handle(LAUNCH)

    def say(self, text: str, speech_seconds: float = 0.0) -> Reply:
        """Understand what the user said (crisis screening first) and answer it."""
        recognition = self._understand(text)
        return self.handle(
            recognition.intent,
            recognition.slots,
            text=text,
            confidence=recognition.confidence,
            speech_seconds=speech_seconds,
        )

    def _understand(self, text: str) -> Recognition:
        recognition = understand(text, self.state)
        if not self.expects_free_text or recognition.intent == "CrisisIntent":
            return recognition
        if recognition.intent in STEERING and recognition.confidence >= 0.99:
            return recognition
        return Recognition("CaptureIntent", {"text": text}, 1.0)

    def handle(
        self,
        intent: str,
        slots: Mapping[str, str] | None = None,
        *,
        text: str = "",
        confidence: float = 1.0,
        speech_seconds: float = 0.0,
    ) -> Reply:
        before = self.state.get("progress")
        turn = Turn(
            intent=intent,
            locale=self.locale,
            slots=slots or {},
            state=self.state,
            text=text,
            confidence=confidence,
            speech_seconds=speech_seconds,
        )
        reply = respond(turn)
        self.state = dict(reply.state)
        self.ended = reply.end_session
        if self.store is not None and self.state.get("progress") != before:
            self._save(self.state.get("progress") or {})
        return reply

    def _save(self, progress: Mapping[str, Any]) -> None:
        assert self.store is not None
        try:
            self.store.save(self.profile, progress)
        except Exception as exc:  # a broken store must never stop the conversation
            log.error("progress not saved: %s", exc)

    @property
    def expects_free_text(self) -> bool:
        """True when the next answer is the user's own words (a letter answer, an attempt)."""
        current = self.state.get(rehearsal_flow.KEY)
        attempt = isinstance(current, dict) and current.get("phase") == "attempt"
        return attempt or letter_flow.expects_free_text(self.state)
