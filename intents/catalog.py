"""The intent catalog: names, slots and phrasings, the one source every model is built from."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from intents.datafile import DATA_DIR, DataFileError, Fields, load_yaml

CATALOG_FILE = DATA_DIR / "catalog.yaml"

#: Fixed by DESIGN.md; evaluation relies on these names.
CUSTOM_INTENTS = (
    "TherapyNotWorkingIntent",
    "ExpectationsIntent",
    "TherapistRelationshipIntent",
    "RaiseConcernsIntent",
    "DraftLetterIntent",
    "HomeworkIntent",
    "LifeIssuesIntent",
    "DischargeIntent",
    "ChangeTherapistIntent",
    "TakeBreakIntent",
    "PrivateTherapyIntent",
    "RehearseIntent",
    "CrisisIntent",
    "FallbackIntent",
)

#: Alexa built-ins the flows need; recognised offline under the same names.
BUILTIN_INTENTS = (
    "AMAZON.HelpIntent",
    "AMAZON.StopIntent",
    "AMAZON.CancelIntent",
    "AMAZON.NavigateHomeIntent",
    "AMAZON.FallbackIntent",
    "AMAZON.RepeatIntent",
    "AMAZON.NextIntent",
    "AMAZON.PreviousIntent",
    "AMAZON.PauseIntent",
    "AMAZON.ResumeIntent",
    "AMAZON.StartOverIntent",
    "AMAZON.YesIntent",
    "AMAZON.NoIntent",
)

#: Intents the rehearsal and letter flows add: speech rate, the script list, letter actions, and
#: CaptureIntent, which carries free speech on Alexa (AMAZON.SearchQuery) and is never classified.
FLOW_INTENTS = (
    "SpeechRateIntent",
    "ListScriptsIntent",
    "LetterActionIntent",
    "CaptureIntent",
)

MIN_SAMPLES = 25
MIN_FLOW_SAMPLES = 8
_SLOT_REF = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True)
class SlotType:
    """A custom slot type: canonical values and the synonyms people say for them."""

    name: str
    """Type name as Alexa sees it, e.g. LetterFormat."""

    values: dict[str, tuple[str, ...]]
    """Canonical value (an id such as not_working) -> the words people say for it."""


@dataclass(frozen=True)
class Intent:
    """One thing a user can want, with the ways they might say it."""

    name: str
    """Fixed intent name, e.g. TherapyNotWorkingIntent or AMAZON.HelpIntent."""

    description: str
    """What the user wants, in one line."""

    samples: tuple[str, ...]
    """Phrasings written as people speak; may contain {slot} references."""

    slots: dict[str, str] = field(default_factory=dict)
    """Slot name -> slot type name (custom or AMAZON.*)."""

    builtin: bool = False
    """True for AMAZON.* intents: Alexa understands them, our samples serve the offline path."""

    def slot_names_in(self, sample: str) -> list[str]:
        return _SLOT_REF.findall(sample)


@dataclass(frozen=True)
class Catalog:
    """Every intent and slot type, validated."""

    intents: dict[str, Intent]
    """Intent name -> intent, custom intents first, then built-ins."""

    slot_types: dict[str, SlotType]
    """Custom slot types by name."""

    source: str
    """The file this catalog was read from, for error messages."""

    def free_speech(self, intent: Intent) -> bool:
        """True for intents that only carry free speech (Alexa's AMAZON.SearchQuery)."""
        return "AMAZON.SearchQuery" in intent.slots.values()

    def custom(self) -> list[Intent]:
        return [intent for intent in self.intents.values() if not intent.builtin]

    def builtins(self) -> list[Intent]:
        return [intent for intent in self.intents.values() if intent.builtin]

    def expand(self, intent: Intent) -> list[tuple[str, dict[str, str]]]:
        """Every sample with each slot filled by every synonym: (text, slot values)."""
        expanded: list[tuple[str, dict[str, str]]] = []
        for sample in intent.samples:
            variants: list[tuple[str, dict[str, str]]] = [(sample, {})]
            for slot in intent.slot_names_in(sample):
                slot_type = self.slot_types.get(intent.slots[slot])
                fills = (
                    [(syn, value) for value, syns in slot_type.values.items() for syn in syns]
                    if slot_type
                    else [("", "")]
                )
                variants = [
                    (text.replace("{" + slot + "}", syn, 1), {**vals, slot: value})
                    for text, vals in variants
                    for syn, value in fills
                ]
            expanded.extend((" ".join(text.split()), vals) for text, vals in variants)
        return expanded


def _slot_types(fields: Fields) -> dict[str, SlotType]:
    types: dict[str, SlotType] = {}
    for name, raw in fields.items():
        entry = fields.child(name, raw)
        values = entry.mapping("values")
        parsed = {}
        for value, _ in values.items():
            parsed[value] = values.texts(value)
        types[name] = SlotType(name=name, values=parsed)
    return types


def _intent(entry: Fields, name: str, builtin: bool, slot_types: dict[str, SlotType]) -> Intent:
    slots = dict(entry.mapping("slots", {}).items())
    for slot, type_name in slots.items():
        if type_name not in slot_types and not str(type_name).startswith("AMAZON."):
            raise entry.error(f"slots.{slot}", f"unknown slot type '{type_name}'")
    samples = entry.texts("samples")
    minimum = (
        1
        if builtin or name == "FallbackIntent"
        else MIN_FLOW_SAMPLES
        if name in FLOW_INTENTS
        else MIN_SAMPLES
    )
    if len(samples) < minimum:
        raise entry.error("samples", f"needs at least {minimum} phrasings, has {len(samples)}")
    for index, sample in enumerate(samples):
        for ref in _SLOT_REF.findall(sample):
            if ref not in slots:
                raise entry.error(f"samples[{index}]", f"refers to undefined slot '{{{ref}}}'")
    return Intent(
        name=name,
        description=entry.text("description"),
        samples=samples,
        slots={str(k): str(v) for k, v in slots.items()},
        builtin=builtin,
    )


def parse_catalog(raw: object, source: Path | str) -> Catalog:
    """Validate a parsed catalog document; every error names the file and the field."""
    top = Fields(source, raw)
    slot_types = _slot_types(top.mapping("slot_types", {}))
    intents: dict[str, Intent] = {}
    for section, expected, builtin in (
        ("intents", CUSTOM_INTENTS, False),
        ("flow_intents", FLOW_INTENTS, False),
        ("builtins", BUILTIN_INTENTS, True),
    ):
        block = top.mapping(section)
        unknown = sorted(set(block.names()) - set(expected))
        if unknown:
            raise block.error(unknown[0], "not an intent name DESIGN.md allows")
        for name in expected:
            if not block.has(name):
                raise block.error(name, "missing: every fixed intent must be in the catalog")
            entry = block.mapping(name)
            intents[name] = _intent(entry, name, builtin, slot_types)
    return Catalog(intents=intents, slot_types=slot_types, source=str(source))


def load_catalog(path: Path = CATALOG_FILE) -> Catalog:
    return parse_catalog(load_yaml(path), path)


@lru_cache(maxsize=1)
def default_catalog() -> Catalog:
    """The shipped catalog, read and validated once per process."""
    return load_catalog()


__all__ = [
    "BUILTIN_INTENTS",
    "CUSTOM_INTENTS",
    "Catalog",
    "DataFileError",
    "Intent",
    "SlotType",
    "default_catalog",
    "load_catalog",
    "parse_catalog",
]
