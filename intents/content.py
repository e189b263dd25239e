"""Spoken content per locale: answers drawn from the seed paragraphs, prompts and offers."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from intents.catalog import CUSTOM_INTENTS
from intents.datafile import DATA_DIR, DataFileError, Fields, load_yaml

CONTENT_DIR = DATA_DIR / "content"
FACTS_FILE = DATA_DIR / "facts.yaml"
LOCALES = ("en-GB", "en-US")
DEFAULT_LOCALE = "en-GB"
SEED_PARAGRAPHS = tuple(f"P{n}" for n in range(1, 8))

#: Intents whose reply is not a content answer: crisis comes from the services table,
#: fallback from the prompts.
NON_ANSWER_INTENTS = ("CrisisIntent", "FallbackIntent")

#: System prompts every locale must define.
PROMPTS = (
    "launch",
    "launch_reprompt",
    "help",
    "help_reprompt",
    "goodbye",
    "fallback",
    "fallback_again",
    "reprompt",
    "no_to_offer",
    "nothing_to_repeat",
    "no_more_detail",
    "start_over",
    "not_now",
    "error",
    "progress_unavailable",
    "crisis_after",
    "disclaimer",
    # rehearsal
    "rehearse_choose",
    "rehearse_choose_hint",
    "rehearse_start",
    "rehearse_your_turn",
    "rehearse_next_hint",
    "rehearse_step_number",
    "rehearse_first_step",
    "rehearse_finished",
    "rehearse_paused",
    "rehearse_stopped",
    "rehearse_resume_offer",
    "rehearse_nothing_to_resume",
    "rehearse_list_intro",
    "rate_slower",
    "rate_faster",
    "rate_limit",
    "feedback_duration",
    "feedback_pace_slow",
    "feedback_pace_ok",
    "feedback_pace_fast",
    "feedback_covered",
    "feedback_missed",
    "feedback_not_heard",
    # letter
    "letter_start",
    "letter_q_problem",
    "letter_q_wish",
    "letter_q_therapist",
    "letter_q_user",
    "letter_capture_hint",
    "letter_read_back",
    "letter_summary",
    "letter_next",
    "letter_next_offline",
    "letter_which_part",
    "letter_saved",
    "letter_not_saved",
    "letter_done",
)


@dataclass(frozen=True)
class Fact:
    """A fact from beyond the seed, with the citation that backs it."""

    id: str
    """Identifier used in an answer's sources list."""

    citation: str
    """Where it comes from: a URL or a reference in ../shared/research/."""


@dataclass(frozen=True)
class Part:
    """One spoken part of an answer: the short answer or its 'tell me more'."""

    speech: tuple[str, ...]
    """Sentences for the ear; a short pause follows each."""

    sources: tuple[str, ...]
    """Seed paragraphs (P1-P7) and fact ids this part draws on."""

    offer: str
    """Key of the offer made after this part ('more', 'rehearse', ...)."""


@dataclass(frozen=True)
class Answer:
    """The content for one intent."""

    title: str
    """Card title."""

    short: Part
    """The answer spoken first (about 60 words)."""

    more: Part | None
    """The longer detail, where the seed has more to say."""


@dataclass(frozen=True)
class Offer:
    """A next step offered after an answer, taken up by 'yes'."""

    ask: str
    """The question spoken at the end of the answer."""

    action: str
    """'more' for the longer detail, otherwise the intent name 'yes' leads to."""


@dataclass(frozen=True)
class Content:
    """All spoken content for one locale."""

    locale: str
    """BCP-47 locale, e.g. en-GB."""

    answers: dict[str, Answer]
    """Intent name -> answer."""

    prompts: dict[str, tuple[str, ...]]
    """Prompt key -> sentences."""

    offers: dict[str, Offer]
    """Offer key -> offer."""


def _part(fields: Fields, offers: set[str], facts: set[str]) -> Part:
    sources = fields.texts("sources")
    for index, source in enumerate(sources):
        if source not in SEED_PARAGRAPHS and source not in facts:
            raise fields.error(f"sources[{index}]", f"unknown source '{source}'")
    offer = fields.text("offer")
    if offer not in offers:
        raise fields.error("offer", f"unknown offer '{offer}'")
    return Part(speech=fields.texts("speech"), sources=sources, offer=offer)


def _offers(fields: Fields) -> dict[str, Offer]:
    offers = {}
    for key, raw in fields.items():
        entry = fields.child(key, raw)
        action = entry.text("action")
        if action != "more" and action not in CUSTOM_INTENTS:
            raise entry.error("action", f"'{action}' is neither 'more' nor an intent name")
        offers[key] = Offer(ask=entry.text("ask"), action=action)
    return offers


def parse_content(raw: object, source: Path | str, facts: set[str]) -> Content:
    top = Fields(source, raw)
    locale = top.text("locale")
    if locale not in LOCALES:
        raise top.error("locale", f"'{locale}' is not one of {', '.join(LOCALES)}")
    offers = _offers(top.mapping("offers"))
    prompts_block = top.mapping("prompts")
    prompts = {key: prompts_block.texts(key) for key in PROMPTS}
    answers_block = top.mapping("answers")
    answers = {}
    for intent in CUSTOM_INTENTS:
        if intent in NON_ANSWER_INTENTS:
            continue
        if not answers_block.has(intent):
            raise answers_block.error(intent, "missing answer")
        entry = answers_block.mapping(intent)
        short = _part(entry.mapping("short"), set(offers), facts)
        more = _part(entry.mapping("more"), set(offers), facts) if entry.has("more") else None
        if short.offer == "more" and more is None:
            raise entry.error("short.offer", "offers 'more' but the answer has no 'more' part")
        answers[intent] = Answer(title=entry.text("title"), short=short, more=more)
    return Content(locale=locale, answers=answers, prompts=prompts, offers=offers)


def load_facts(path: Path = FACTS_FILE) -> dict[str, Fact]:
    top = Fields(path, load_yaml(path))
    facts = top.mapping("facts")
    return {
        key: Fact(id=key, citation=facts.child(key, raw).text("citation"))
        for key, raw in facts.items()
    }


def load_content(locale: str, directory: Path = CONTENT_DIR) -> Content:
    path = directory / f"{locale}.yaml"
    content = parse_content(load_yaml(path), path, set(load_facts()))
    if content.locale != locale:
        raise DataFileError(path, "locale", f"says '{content.locale}', file is for '{locale}'")
    return content


@lru_cache(maxsize=len(LOCALES))
def content_for(locale: str) -> Content:
    """Content for a locale, falling back to en-GB for other English locales."""
    return load_content(locale if locale in LOCALES else DEFAULT_LOCALE)
