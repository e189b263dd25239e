"""The channel-neutral reply each adapter renders: SSML for Alexa, timed plain text offline."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

#: Default pause after a segment, long enough to breathe between ideas.
DEFAULT_PAUSE_MS = 400
#: Speech rate in percent of the voice's normal pace: a little slower, calm for anxious users.
DEFAULT_RATE = 90


@dataclass(frozen=True)
class Segment:
    """One stretch of speech and the silence that follows it."""

    text: str
    """Plain words to say; adapters escape it, so it may hold anything a user said."""

    pause_ms: int = DEFAULT_PAUSE_MS
    """Silence after the text, in milliseconds."""


@dataclass(frozen=True)
class Reply:
    """What the core answers for one turn, independent of channel."""

    speech: tuple[Segment, ...]
    """What to say now, in order."""

    reprompt: tuple[Segment, ...] = ()
    """What to say if the user stays silent; empty when the conversation ends."""

    card_title: str = "Therapy Check-In"
    """Title of the card shown in the Alexa app (or printed offline)."""

    card_text: str = ""
    """Card body: the spoken text, or more (the crisis services, a whole letter)."""

    end_session: bool = False
    """True when the conversation ends after this reply."""

    state: Mapping[str, Any] = field(default_factory=dict)
    """Dialog state to carry into the next turn."""

    intent: str = ""
    """The intent this reply answered, for logs and the --json output."""

    rate_factor: float = 1.0
    """Multiplier on the user's speech rate; below 1 for slow, calm replies."""

    card_is_document: bool = False
    """The card holds a document to keep (a letter); Alexa shows it as a Standard card."""

    save_document: str = ""
    """Text the user asked to save (a letter); the offline app writes it where they choose."""

    @property
    def text(self) -> str:
        """The speech as one plain string, as printed and as spoken offline."""
        return join_text(self.speech)


def join_text(segments: Sequence[Segment]) -> str:
    return " ".join(segment.text for segment in segments if segment.text)


def segments(texts: Sequence[str], pause_ms: int = DEFAULT_PAUSE_MS) -> tuple[Segment, ...]:
    return tuple(Segment(text, pause_ms) for text in texts)
