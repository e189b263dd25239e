"""The held-out development set (tests/data/nlu_dev.yaml): never used for training."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from intents.datafile import Fields, load_yaml

DEV_SET_FILE = Path(__file__).resolve().parent.parent / "tests" / "data" / "nlu_dev.yaml"


@dataclass(frozen=True)
class DevSet:
    """Labelled utterances written independently of the catalog."""

    in_domain: list[tuple[str, str]]
    """(text, intent) for the product's intents."""

    out_of_domain: list[str]
    """Must be recognised as FallbackIntent."""

    crisis: list[str]
    """Must get the crisis reply."""

    asr: list[tuple[str, str]]
    """(text, intent) written as a speech recogniser outputs it."""

    non_crisis_hard: list[tuple[str, str]]
    """(text, intent) with words a naive crisis filter trips on, but no risk."""

    def non_crisis(self) -> list[str]:
        """Every utterance that must NOT get the crisis reply."""
        return [
            *(t for t, _ in self.in_domain),
            *self.out_of_domain,
            *(t for t, _ in self.asr),
            *(t for t, _ in self.non_crisis_hard),
        ]


def _pairs(fields: Fields, key: str) -> list[tuple[str, str]]:
    items = fields.value.get(key) or []
    out = []
    for index, item in enumerate(items):
        entry = fields.child(f"{key}[{index}]", item)
        out.append((entry.text("text"), entry.text("intent")))
    return out


def load_dev_set(path: Path = DEV_SET_FILE) -> DevSet:
    top = Fields(path, load_yaml(path))
    block = top.mapping("in_domain")
    in_domain = [(text, intent) for intent in block.names() for text in block.texts(intent)]
    return DevSet(
        in_domain=in_domain,
        out_of_domain=list(top.texts("out_of_domain")),
        crisis=list(top.texts("crisis")),
        asr=_pairs(top, "asr"),
        non_crisis_hard=_pairs(top, "non_crisis_hard"),
    )
