"""The intent catalog: fixed names, enough varied phrasings, errors that name file and field."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from intents.catalog import (
    BUILTIN_INTENTS,
    CUSTOM_INTENTS,
    FLOW_INTENTS,
    MIN_SAMPLES,
    DataFileError,
    default_catalog,
    load_catalog,
)
from intents.devset import load_dev_set
from intents.normalise import normalise


def test_catalog_has_exactly_the_intents_design_fixes_plus_the_flow_intents() -> None:
    expected = [*CUSTOM_INTENTS, *FLOW_INTENTS, *BUILTIN_INTENTS]
    assert list(default_catalog().intents) == expected


@pytest.mark.parametrize("intent", [i for i in CUSTOM_INTENTS if i != "FallbackIntent"])
def test_each_custom_intent_has_many_phrasings(intent: str) -> None:
    assert len(default_catalog().intents[intent].samples) >= MIN_SAMPLES


def test_phrasings_use_the_words_people_use() -> None:
    text = " ".join(s.lower() for i in default_catalog().custom() for s in i.samples)
    for word in ("counsellor", "therapist", "cbt", "sessions", "isn't", "is not", "i've"):
        assert word in text, word


def test_no_phrasing_belongs_to_two_intents() -> None:
    owners: dict[str, str] = {}
    for intent in default_catalog().intents.values():
        for sample in intent.samples:
            key = normalise(sample)
            assert owners.setdefault(key, intent.name) == intent.name, sample


def test_slot_phrasings_expand_with_canonical_values() -> None:
    catalog = default_catalog()
    expanded = catalog.expand(catalog.intents["DraftLetterIntent"])
    values = {slots.get("format") for _, slots in expanded}
    assert {"letter", "email", "message"} <= values
    assert all("{" not in text for text, _ in expanded)


def test_development_set_is_held_out_of_the_catalog() -> None:
    catalog = default_catalog()
    trained = {normalise(t) for i in catalog.intents.values() for t, _ in catalog.expand(i)}
    dev = load_dev_set()
    texts = [t for t, _ in dev.in_domain + dev.asr + dev.non_crisis_hard]
    leaked = [t for t in [*texts, *dev.out_of_domain, *dev.crisis] if normalise(t) in trained]
    assert leaked == []


def _write(tmp_path: Path, document: object) -> Path:
    path = tmp_path / "catalog.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


def _shipped() -> dict:
    from intents.catalog import CATALOG_FILE

    return yaml.safe_load(CATALOG_FILE.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("break_it", "field"),
    [
        (lambda d: d["intents"].pop("HomeworkIntent"), "intents.HomeworkIntent"),
        (lambda d: d["intents"]["HomeworkIntent"].update(samples=["one"]), "samples"),
        (lambda d: d["intents"]["HomeworkIntent"].update(samples="text"), "samples"),
        (lambda d: d["intents"]["HomeworkIntent"]["samples"].append("{nope} again"), "samples["),
        (lambda d: d["intents"].update(MadeUpIntent={}), "intents.MadeUpIntent"),
        (lambda d: d["intents"]["DraftLetterIntent"].update(slots={"format": "Nope"}), "slots"),
        (lambda d: d["builtins"].pop("AMAZON.HelpIntent"), "builtins.AMAZON.HelpIntent"),
    ],
)
def test_a_bad_catalog_names_file_and_field(tmp_path: Path, break_it, field: str) -> None:
    document = _shipped()
    break_it(document)
    path = _write(tmp_path, document)
    with pytest.raises(DataFileError) as error:
        load_catalog(path)
    assert str(path) in str(error.value)
    assert field in error.value.field


def test_unparseable_yaml_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "catalog.yaml"
    path.write_text("intents: [unclosed", encoding="utf-8")
    with pytest.raises(DataFileError, match="not valid YAML") as error:
        load_catalog(path)
    assert error.value.path == str(path)
