"""Choosing what to hand the core when the recogniser offers several readings of one turn.

The n-best readings vote for an intent, weighted by the core's confidence and by rank; the
best-ranked reading of the winning intent is passed on. A crisis reading at the top is never
voted away: safety screening sees what the recogniser heard first.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Protocol

from local_voice.recogniser import Transcript


class RecognitionLike(Protocol):
    @property
    def intent(self) -> str: ...

    @property
    def confidence(self) -> float: ...


Understand = Callable[[str], RecognitionLike]


def best_reading(transcript: Transcript, understand: Understand) -> str:
    """The reading whose intent wins the rank-weighted confidence vote."""
    readings = [transcript.text, *transcript.alternatives]
    if transcript.open_vocabulary or len(readings) == 1 or not transcript.text:
        return transcript.text
    found = [understand(text) for text in readings]
    if found[0].intent == "CrisisIntent":
        return transcript.text
    votes: dict[str, float] = defaultdict(float)
    for rank, recognition in enumerate(found):
        votes[recognition.intent] += recognition.confidence / (rank + 1)
    winner = max(votes, key=lambda intent: votes[intent])
    return next(text for text, r in zip(readings, found, strict=True) if r.intent == winner)
