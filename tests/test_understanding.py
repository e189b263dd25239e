"""Language understanding on phrasings written independently of the catalog."""

from __future__ import annotations

from collections import defaultdict

import pytest

from intents.devset import load_dev_set
from intents.understanding import understand

DEV = load_dev_set()


def _by_intent() -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = defaultdict(list)
    for text, intent in DEV.in_domain + DEV.asr:
        grouped[intent].append(text)
    return grouped


@pytest.mark.parametrize(("intent", "texts"), sorted(_by_intent().items()))
def test_each_intent_is_recognised_from_phrasings_outside_the_catalog(
    intent: str, texts: list[str]
) -> None:
    recognised = [understand(text).intent for text in texts]
    share = recognised.count(intent) / len(texts)
    assert share >= 0.8, [t for t, r in zip(texts, recognised, strict=True) if r != intent]


def test_overall_in_domain_accuracy_meets_the_target() -> None:
    labelled = DEV.in_domain + DEV.asr
    correct = sum(understand(text).intent == intent for text, intent in labelled)
    assert correct / len(labelled) >= 0.92


def test_out_of_domain_requests_are_rejected() -> None:
    accepted = [t for t in DEV.out_of_domain if understand(t).intent != "FallbackIntent"]
    assert len(accepted) / len(DEV.out_of_domain) <= 0.05, accepted


@pytest.mark.parametrize("text", DEV.crisis)
def test_every_crisis_phrasing_is_caught(text: str) -> None:
    assert understand(text).intent == "CrisisIntent"


def test_crisis_false_alarms_stay_rare() -> None:
    alarms = [t for t in DEV.non_crisis() if understand(t).intent == "CrisisIntent"]
    assert len(alarms) / len(DEV.non_crisis()) <= 0.03, alarms


@pytest.mark.parametrize(
    "text",
    [
        "MY THERAPY ISNT WORKING",
        "my therapy is not working",
        "um like my therapy isn't, you know, working",
    ],
)
def test_case_contractions_and_fillers_do_not_matter(text: str) -> None:
    assert understand(text).intent == "TherapyNotWorkingIntent"


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("yes", "AMAZON.YesIntent"),
        ("no thanks", "AMAZON.NoIntent"),
        ("say that again", "AMAZON.RepeatIntent"),
        ("go back", "AMAZON.PreviousIntent"),
        ("stop", "AMAZON.StopIntent"),
        ("next", "AMAZON.NextIntent"),
    ],
)
def test_short_answers_map_to_the_built_ins(text: str, intent: str) -> None:
    assert understand(text).intent == intent


def test_slots_are_filled_with_canonical_values() -> None:
    recognition = understand("can you help me write an email to my counsellor")
    assert recognition.intent == "DraftLetterIntent"
    assert recognition.slots == {"format": "email"}


@pytest.mark.parametrize(
    "text", ["", "   ", "😀😀", "日本語のテキスト", "x" * 10_000, "\x00\x1b[31m"]
)
def test_odd_text_is_a_fallback_not_a_crash(text: str) -> None:
    recognition = understand(text)
    assert recognition.intent == "FallbackIntent"
    assert 0.0 <= recognition.confidence <= 1.0
