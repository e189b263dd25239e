"""Rehearsal scripts as data, and gentle feedback on a spoken attempt at a step."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from intents.catalog import CUSTOM_INTENTS
from intents.content import SEED_PARAGRAPHS
from intents.datafile import DATA_DIR, DataFileError, Fields, load_yaml
from intents.normalise import normalise

SCRIPTS_DIR = DATA_DIR / "rehearsal"
_SCRIPT_ID = re.compile(r"[a-z_]{1,40}")


@dataclass(frozen=True)
class Step:
    """One line to practise."""

    line: str
    """The model line, said first."""

    key_points: tuple[tuple[str, ...], ...]
    """Points an attempt should cover; any of a point's alternatives counts."""

    turn_seconds: int
    """Silence left for the user to say it aloud."""

    encouragement: str
    """A warm word after the user's turn."""


@dataclass(frozen=True)
class Script:
    """A short rehearsal for one situation, ending in the user's own words."""

    id: str
    """Stable id, also the RehearsalTopic slot value and the saved progress."""

    title: str
    """Spoken in lists."""

    intents: tuple[str, ...]
    """Answers after which this script is the one offered."""

    sources: tuple[str, ...]
    """Seed paragraphs it draws on."""

    intro: str
    """Said before the first step."""

    steps: tuple[Step, ...]
    """The scripted steps, then the closing invitation as the last step."""


def _step(fields: Fields) -> Step:
    points = fields.text_lists("key_points")
    seconds = fields.number("turn_seconds")
    if not 2 <= seconds <= 60:
        raise fields.error("turn_seconds", "expected between 2 and 60 seconds")
    return Step(fields.text("line"), points, int(seconds), fields.text("encouragement"))


def parse_script(raw: object, source: Path | str) -> Script:
    top = Fields(source, raw)
    script_id = top.text("id")
    if not _SCRIPT_ID.fullmatch(script_id):
        raise top.error("id", "expected lower-case letters and underscores")
    for name in top.texts("intents"):
        if name not in CUSTOM_INTENTS:
            raise top.error("intents", f"unknown intent '{name}'")
    for paragraph in top.texts("sources"):
        if paragraph not in SEED_PARAGRAPHS:
            raise top.error("sources", f"unknown source '{paragraph}'")
    steps_raw = top.value.get("steps")
    if not isinstance(steps_raw, list) or not steps_raw:
        raise top.error("steps", "expected a non-empty list")
    steps = [_step(top.child(f"steps[{i}]", item)) for i, item in enumerate(steps_raw)]
    steps.append(_step(top.mapping("closing")))
    return Script(
        id=script_id,
        title=top.text("title"),
        intents=top.texts("intents"),
        sources=top.texts("sources"),
        intro=top.text("intro"),
        steps=tuple(steps),
    )


@lru_cache(maxsize=1)
def scripts() -> dict[str, Script]:
    """Every script, by id, in file-name order."""
    found = {}
    for path in sorted(SCRIPTS_DIR.glob("*.yaml")):
        script = parse_script(load_yaml(path), path)
        if script.id != path.stem:
            raise DataFileError(path, "id", f"'{script.id}' does not match the file name")
        found[script.id] = script
    if not found:
        raise DataFileError(SCRIPTS_DIR, "", "no rehearsal scripts found")
    return found


def script_for_intent(intent: str) -> Script | None:
    return next((s for s in scripts().values() if intent in s.intents), None)


@dataclass(frozen=True)
class Feedback:
    """What an attempt at a step did well and what it could add."""

    seconds: float
    """How long the user spoke."""

    words_per_minute: float
    """Their pace; 0 when the duration is unknown."""

    missed: tuple[str, ...]
    """For each key point the attempt did not cover, its longest wording (the most telling)."""


def feedback(step: Step, attempt: str, seconds: float) -> Feedback:
    folded = f" {normalise(attempt)} "
    missed = tuple(
        max(point, key=len)
        for point in step.key_points
        if not any(f" {normalise(alternative)} " in folded for alternative in point)
    )
    words = len(folded.split())
    pace = words / seconds * 60 if seconds > 0 else 0.0
    return Feedback(seconds=seconds, words_per_minute=pace, missed=missed)
