"""Composing a letter or email to the therapist from the user's answers (seed P4)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from intents.content import DEFAULT_LOCALE, LOCALES
from intents.datafile import DATA_DIR, Fields, load_yaml
from intents.normalise import normalise

LETTER_FILE = DATA_DIR / "letter.yaml"
MAX_ANSWER_CHARS = 600  # a spoken answer is a sentence or two; longer text is cut at a word
_NAME_CARRIERS = re.compile(
    r"^(?:(?:her|his|their|my|the|it|its) (?:name is|names|name's|name)|it is|it's|i am|i'm|"
    r"call me|they are called|she is called|he is called|called|just|um|uh)\s+",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Wish:
    """One kind of change the user may ask for."""

    keywords: tuple[str, ...]
    """Words in the user's answer that point to this wish."""

    sentence: str
    """What the letter says for it."""


@dataclass(frozen=True)
class LetterTemplate:
    """The fixed wording a letter is built from, for one locale."""

    greeting_named: str
    """Greeting with {therapist}."""

    greeting: str
    """Greeting when no name was given."""

    opening: str
    """Why the user is writing."""

    problem: str
    """Sentence holding the user's own words, with {problem}."""

    problem_missing: str
    """Said when the user skipped the problem question."""

    wish_own_words: str
    """Sentence holding the user's wish, with {wish}."""

    feedback: str
    """Asks for the therapist's view from their clinical perspective."""

    closing: str
    """Suggests talking about it."""

    sign_off: str
    """Before the user's name."""

    wishes: dict[str, Wish]
    """Wish id -> wish."""

    intent_phrases: dict[str, str]
    """Intent -> problem sentence, for Alexa answers that matched an intent, not free text."""

    intent_wishes: dict[str, str]
    """Intent -> wish id, likewise."""


def _template(fields: Fields) -> LetterTemplate:
    wishes_block = fields.mapping("wishes")
    wishes = {
        key: Wish(entry.texts("keywords"), entry.text("sentence"))
        for key, raw in wishes_block.items()
        for entry in [wishes_block.child(key, raw)]
    }
    phrases = fields.mapping("intent_phrases")
    intent_wishes = fields.mapping("intent_wishes")
    for key, wish in intent_wishes.items():
        if wish not in wishes:
            raise intent_wishes.error(key, f"unknown wish '{wish}'")
    return LetterTemplate(
        **{
            key: fields.text(key)
            for key in (
                "greeting_named",
                "greeting",
                "opening",
                "problem",
                "problem_missing",
                "wish_own_words",
                "feedback",
                "closing",
                "sign_off",
            )
        },
        wishes=wishes,
        intent_phrases={key: phrases.text(key) for key in phrases.names()},
        intent_wishes={key: str(value) for key, value in intent_wishes.items()},
    )


def parse_templates(raw: object, source: Path | str) -> dict[str, LetterTemplate]:
    top = Fields(source, raw)
    return {locale: _template(top.mapping(locale)) for locale in LOCALES}


@lru_cache(maxsize=1)
def _templates() -> dict[str, LetterTemplate]:
    return parse_templates(load_yaml(LETTER_FILE), LETTER_FILE)


def template_for(locale: str) -> LetterTemplate:
    templates = _templates()
    return templates.get(locale, templates[DEFAULT_LOCALE])


def clean_answer(text: str) -> str:
    """The user's words, trimmed to a sentence-sized answer with a capital and a full stop."""
    text = " ".join(text.split())[:MAX_ANSWER_CHARS]
    if not text:
        return ""
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else text + "."


def clean_name(text: str) -> str:
    """A first name from an answer such as "her name's sarah" -> "Sarah"."""
    words = _NAME_CARRIERS.sub("", " ".join(text.split())).strip(" .,!?")
    letters = [w for w in re.split(r"\s+", words) if re.fullmatch(r"[^\W\d_][\w'-]*", w)]
    return " ".join(w[:1].upper() + w[1:] for w in letters[:2])


def wish_kind(template: LetterTemplate, text: str) -> str | None:
    folded = normalise(text)
    for kind, wish in template.wishes.items():
        if any(re.search(rf"\b{re.escape(normalise(k))}\b", folded) for k in wish.keywords):
            return kind
    return None


def compose(locale: str, answers: dict[str, str]) -> str:
    """The letter as plain text; answers holds problem, wish, wish_kind, therapist, user."""
    template = template_for(locale)
    therapist = answers.get("therapist", "")
    paragraphs = [
        template.greeting_named.format(therapist=therapist) if therapist else template.greeting,
        template.opening,
        template.problem.format(problem=answers["problem"])
        if answers.get("problem")
        else template.problem_missing,
    ]
    wish_lines = []
    if answers.get("wish_kind") in template.wishes:
        wish_lines.append(template.wishes[answers["wish_kind"]].sentence)
    if answers.get("wish"):
        wish_lines.append(template.wish_own_words.format(wish=answers["wish"]))
    paragraphs += [" ".join(wish_lines)] if wish_lines else []
    paragraphs += [f"{template.feedback} {template.closing}"]
    sign_off = template.sign_off + (f"\n{answers['user']}" if answers.get("user") else "")
    return "\n\n".join([*paragraphs, sign_off])
