"""Rendering core replies as Alexa SSML: escaped text, pauses as breaks, one prosody rate."""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape

from intents.reply import Segment

MAX_BREAK_MS = 10_000  # Alexa rejects longer breaks
MIN_RATE, MAX_RATE = 20, 200  # Alexa's accepted prosody percentages


def rate_percent(rate: float, factor: float = 1.0) -> int:
    return int(min(MAX_RATE, max(MIN_RATE, round(rate * factor))))


def to_ssml(segments: Sequence[Segment], rate: int) -> str:
    """Every segment's text is escaped: it may contain words the user said."""
    parts = []
    for segment in segments:
        parts.append(escape(segment.text))
        if segment.pause_ms > 0:
            parts.append(f'<break time="{min(segment.pause_ms, MAX_BREAK_MS)}ms"/>')
    return f'<speak><prosody rate="{rate}%">{"".join(parts)}</prosody></speak>'
