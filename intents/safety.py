"""Crisis screening: runs on every utterance, in every dialog state, before intent routing."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from intents.datafile import DATA_DIR, Fields, load_yaml
from intents.normalise import MAX_CHARS, normalise

PATTERNS_FILE = DATA_DIR / "crisis_language.yaml"
#: normalise() keeps only the first MAX_CHARS characters, so longer text is screened in windows
#: that overlap by this much: a phrase straddling a window edge is whole in one of them.
WINDOW_OVERLAP = 200


@dataclass(frozen=True)
class CrisisPattern:
    """One family of crisis phrasing."""

    note: str
    """What the pattern catches, for reviewers."""

    regex: re.Pattern[str]
    """Compiled pattern, matched against normalised text."""


def parse_patterns(raw: object, source: Path | str) -> tuple[CrisisPattern, ...]:
    top = Fields(source, raw)
    items = top.value.get("patterns")
    if not isinstance(items, list) or not items:
        raise top.error("patterns", "expected a non-empty list")
    patterns = []
    for index, item in enumerate(items):
        fields = top.child(f"patterns[{index}]", item)
        try:
            regex = re.compile(fields.text("pattern"))
        except re.error as exc:
            raise fields.error("pattern", f"not a valid regular expression: {exc}") from exc
        patterns.append(CrisisPattern(fields.text("note"), regex))
    return tuple(patterns)


@lru_cache(maxsize=1)
def crisis_patterns() -> tuple[CrisisPattern, ...]:
    return parse_patterns(load_yaml(PATTERNS_FILE), PATTERNS_FILE)


def crisis_language(text: str) -> str | None:
    """The note of the first crisis pattern the text matches, or None.

    All of the text is screened, however long: recall matters more than the cost.
    """
    step = MAX_CHARS - WINDOW_OVERLAP
    for start in range(0, max(len(text) - WINDOW_OVERLAP, 1), step):
        folded = normalise(text[start : start + MAX_CHARS])
        for pattern in crisis_patterns():
            if pattern.regex.search(folded):
                return pattern.note
    return None
