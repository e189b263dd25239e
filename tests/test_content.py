"""Spoken content: sourced from the seed, short for the ear, complete for both locales."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from intents.catalog import CUSTOM_INTENTS
from intents.content import (
    CONTENT_DIR,
    LOCALES,
    NON_ANSWER_INTENTS,
    SEED_PARAGRAPHS,
    Part,
    load_content,
    load_facts,
)
from intents.datafile import DataFileError
from tests.conftest import SHARED

SEED = SHARED / "seed" / "000_83cec40a14baa94b.txt"


def _parts(locale: str) -> list[tuple[str, Part]]:
    content = load_content(locale)
    out = []
    for intent, answer in content.answers.items():
        out.append((f"{intent}.short", answer.short))
        if answer.more:
            out.append((f"{intent}.more", answer.more))
    return out


@pytest.mark.parametrize("locale", LOCALES)
def test_every_intent_has_an_answer(locale: str) -> None:
    answered = set(load_content(locale).answers)
    assert answered == set(CUSTOM_INTENTS) - set(NON_ANSWER_INTENTS)


@pytest.mark.parametrize("locale", LOCALES)
def test_every_part_names_known_sources(locale: str) -> None:
    known = set(SEED_PARAGRAPHS) | set(load_facts())
    for name, part in _parts(locale):
        assert part.sources, name
        assert set(part.sources) <= known, name


@pytest.mark.parametrize("locale", LOCALES)
def test_all_seven_paragraphs_are_covered(locale: str) -> None:
    cited = {s for _, part in _parts(locale) for s in part.sources}
    assert set(SEED_PARAGRAPHS) <= cited


@pytest.mark.parametrize("locale", LOCALES)
def test_short_answers_are_short_enough_to_hear(locale: str) -> None:
    for intent, answer in load_content(locale).answers.items():
        words = len(" ".join(answer.short.speech).split())
        assert 30 <= words <= 75, (intent, words)


def _seed_runs(length: int) -> set[tuple[str, ...]]:
    words = re.findall(r"[a-z']+", SEED.read_text(encoding="utf-8").lower().replace("\u2019", "'"))
    return {tuple(words[i : i + length]) for i in range(len(words) - length + 1)}


@pytest.mark.skipif(not SEED.exists(), reason=f"seed text not found at {SEED}")
@pytest.mark.parametrize("locale", LOCALES)
def test_answers_are_our_own_words_not_copied_sentences(locale: str) -> None:
    seed_runs = _seed_runs(6)
    for name, part in _parts(locale):
        words = re.findall(r"[a-z']+", " ".join(part.speech).lower().replace("\u2019", "'"))
        runs = zip(*(words[i:] for i in range(6)), strict=False)
        copied = [run for run in runs if run in seed_runs]
        assert copied == [], name


@pytest.mark.parametrize("locale", LOCALES)
def test_spoken_text_holds_no_markup(locale: str) -> None:
    for name, part in _parts(locale):
        assert not re.search(r"[<>&]", " ".join(part.speech)), name


def test_a_part_with_an_unknown_source_is_rejected(tmp_path: Path) -> None:
    document = yaml.safe_load((CONTENT_DIR / "en-GB.yaml").read_text(encoding="utf-8"))
    document["answers"]["HomeworkIntent"]["short"]["sources"] = ["P9"]
    (tmp_path / "en-GB.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")
    with pytest.raises(DataFileError) as error:
        load_content("en-GB", tmp_path)
    assert error.value.field == "answers.HomeworkIntent.short.sources[0]"


def test_a_part_with_no_source_is_rejected(tmp_path: Path) -> None:
    document = yaml.safe_load((CONTENT_DIR / "en-GB.yaml").read_text(encoding="utf-8"))
    document["answers"]["HomeworkIntent"]["short"]["sources"] = []
    (tmp_path / "en-GB.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")
    with pytest.raises(DataFileError, match="sources"):
        load_content("en-GB", tmp_path)
