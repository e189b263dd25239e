"""The Alexa skill package: generated from the catalog, fresh, and within Alexa's rules."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from intents.catalog import default_catalog
from skill.interaction_model import (
    PACKAGE_DIR,
    alexa_sample,
    language_model,
    stale_files,
    validate,
)


@pytest.fixture(scope="module")
def model() -> dict[str, Any]:
    return language_model(default_catalog(), "therapy check in")


def _intent(model: dict[str, Any], name: str) -> dict[str, Any]:
    intents = model["interactionModel"]["languageModel"]["intents"]
    return next(i for i in intents if i["name"] == name)


def test_committed_package_matches_the_catalog() -> None:
    assert stale_files() == [], "run: therapy-checkin interaction-model"


def test_generated_model_passes_alexas_rules(model: dict[str, Any]) -> None:
    assert validate(model) == []


@pytest.mark.parametrize("locale", ["en-GB", "en-US"])
def test_both_locales_are_committed_with_every_catalog_intent(locale: str) -> None:
    path = PACKAGE_DIR / "interactionModels" / "custom" / f"{locale}.json"
    language = json.loads(path.read_text(encoding="utf-8"))["interactionModel"]["languageModel"]
    assert language["invocationName"] == "therapy check in"
    assert {i["name"] for i in language["intents"]} == set(default_catalog().intents)


def test_acronyms_are_spelled_out_for_alexa() -> None:
    assert alexa_sample("is CBT from the NHS") == "is c. b. t. from the n. h. s."


def test_manifest_carries_the_health_disclaimer_and_policy_answers() -> None:
    manifest = json.loads((PACKAGE_DIR / "skill.json").read_text(encoding="utf-8"))["manifest"]
    compliance = manifest["privacyAndCompliance"]
    assert compliance["isChildDirected"] is False and compliance["containsAds"] is False
    for locale, info in manifest["publishingInformation"]["locales"].items():
        assert "not a substitute for professional" in info["description"], locale
        assert compliance["locales"][locale]["privacyPolicyUrl"].startswith("https://")


def _broken(model: dict[str, Any], change) -> list[str]:
    copied = copy.deepcopy(model)
    change(copied)
    return validate(copied)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda m: _intent(m, "HomeworkIntent")["samples"].append("is 8 weeks normal?"),
            "characters Alexa does not accept",
        ),
        (lambda m: _intent(m, "HomeworkIntent")["samples"].append("my tea.pot"), "period"),
        (lambda m: _intent(m, "HomeworkIntent")["samples"].append("word " * 60), "over 200"),
        (
            lambda m: _intent(m, "TakeBreakIntent")["samples"].append(
                _intent(m, "HomeworkIntent")["samples"][0]
            ),
            "claimed by",
        ),
        (
            lambda m: _intent(m, "HomeworkIntent")["samples"].append("about {nothing}"),
            "undefined slot",
        ),
        (lambda m: _intent(m, "CaptureIntent")["samples"].append("{text}"), "carrier phrase"),
        (
            lambda m: m["interactionModel"]["languageModel"]["intents"].remove(
                _intent(m, "AMAZON.HelpIntent")
            ),
            "AMAZON.HelpIntent",
        ),
        (
            lambda m: m["interactionModel"]["languageModel"].update(invocationName="Alexa Skill"),
            "invocation name",
        ),
        (
            lambda m: _intent(m, "DraftLetterIntent")["slots"][0].update(type="NoSuchType"),
            "not defined",
        ),
    ],
)
def test_validator_catches_each_rule(model: dict[str, Any], change, expected: str) -> None:
    problems = _broken(model, change)
    assert any(expected in problem for problem in problems), problems
