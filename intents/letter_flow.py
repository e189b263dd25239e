"""The guided letter: four short questions, a composed draft read back, changes, delivery."""

from __future__ import annotations

from typing import Any

from intents.content import content_for
from intents.letter import clean_answer, clean_name, compose, template_for, wish_kind
from intents.rehearsal_flow import offline
from intents.replies import carried, prompt
from intents.reply import Reply, Segment, segments
from intents.turn import Turn

KEY = "letter"
#: Questions in order: stage -> (prompt key, answer key).
QUESTIONS = {
    "problem": ("letter_q_problem", "problem"),
    "wish": ("letter_q_wish", "wish"),
    "therapist": ("letter_q_therapist", "therapist"),
    "user": ("letter_q_user", "user"),
}
ORDER = tuple(QUESTIONS)
PART_STAGE = {"change_problem": "problem", "change_wish": "wish", "change_names": "therapist"}
CONTROLS = ("CaptureIntent", "LetterActionIntent", "AMAZON.NextIntent", "AMAZON.StartOverIntent")


def expects_free_text(state: dict[str, Any]) -> bool:
    letter = state.get(KEY)
    return isinstance(letter, dict) and letter.get("stage") in QUESTIONS


def ask(turn: Turn, letter: dict[str, Any], stage: str, lead: tuple[Segment, ...] = ()) -> Reply:
    content = content_for(turn.locale)
    question = prompt(content, QUESTIONS[stage][0])
    return Reply(
        speech=(*lead, *question),
        reprompt=question,
        state=carried(turn.state, letter={**letter, "stage": stage}),
        intent="DraftLetterIntent",
    )


def begin(turn: Turn) -> Reply:
    return ask(turn, {}, "problem", prompt(content_for(turn.locale), "letter_start"))


def _answer(turn: Turn, stage: str) -> dict[str, str] | None:
    """What this turn answers for the stage, or None when it does not answer it."""
    template = template_for(turn.locale)
    if turn.intent == "AMAZON.NextIntent":  # "skip"
        return {}
    text = turn.slots.get("text", "") if turn.intent == "CaptureIntent" else ""
    if stage == "problem":
        problem = clean_answer(text) or template.intent_phrases.get(turn.intent, "")
        return {"problem": problem} if problem else None
    if stage == "wish":
        kind = wish_kind(template, text) if text else template.intent_wishes.get(turn.intent)
        return {"wish": clean_answer(text), "wish_kind": kind or ""} if (text or kind) else None
    name = clean_name(text)
    return {QUESTIONS[stage][1]: name} if name else None


def review(turn: Turn, letter: dict[str, Any]) -> Reply:
    """Read the draft back offline; on Alexa summarise it and put it on a card."""
    content = content_for(turn.locale)
    text = compose(turn.locale, letter)
    if offline(turn.state):
        body = (*prompt(content, "letter_read_back"), *segments(text.split("\n\n")))
        after = prompt(content, "letter_next_offline")
    else:
        body = prompt(content, "letter_summary")
        after = prompt(content, "letter_next")
    return Reply(
        speech=(*body, *after),
        reprompt=after,
        card_title="Your letter to your therapist",
        card_text=text,
        card_is_document=True,
        state=carried(turn.state, letter={**letter, "stage": "review"}),
        intent="DraftLetterIntent",
    )


def _next_stage(letter: dict[str, Any], stage: str) -> str | None:
    if letter.get("returning"):
        return "user" if stage == "therapist" else None
    index = ORDER.index(stage)
    return ORDER[index + 1] if index + 1 < len(ORDER) else None


def _at_question(turn: Turn, letter: dict[str, Any], stage: str) -> Reply:
    if turn.intent == "LetterActionIntent" and letter.get("returning"):
        return _at_review(turn, letter)  # "save it" while changing a part: keep what was there
    answer = _answer(turn, stage)
    if answer is None:
        return ask(turn, letter, stage, prompt(content_for(turn.locale), "letter_capture_hint"))
    letter = {**letter, **answer}
    following = _next_stage(letter, stage)
    return ask(turn, letter, following) if following else review(turn, letter)


def _at_review(turn: Turn, letter: dict[str, Any]) -> Reply:
    content = content_for(turn.locale)
    action = turn.slots.get("action", "")
    if action in PART_STAGE:
        return ask(turn, {**letter, "returning": True}, PART_STAGE[action])
    if action == "change":
        which = prompt(content, "letter_which_part")
        return Reply(
            speech=which,
            reprompt=which,
            state=carried(turn.state, letter=letter),
            intent="DraftLetterIntent",
        )
    if action == "save" and offline(turn.state):
        return _finished(turn, letter, save=True)
    if action in ("done", "save"):
        return _finished(turn, letter, save=False)
    return review(turn, letter)


def _finished(turn: Turn, letter: dict[str, Any], save: bool) -> Reply:
    """Done: the letter leaves the state; offline it is handed over for saving if asked."""
    content = content_for(turn.locale)
    text = compose(turn.locale, letter)
    state = carried(turn.state)
    state.pop(KEY, None)
    lead = () if save or not offline(turn.state) else prompt(content, "letter_not_saved")
    return Reply(
        speech=(*lead, *prompt(content, "letter_done")),
        reprompt=prompt(content, "reprompt"),
        card_title="Your letter to your therapist",
        card_text=text,
        card_is_document=True,
        state=state,
        intent="DraftLetterIntent",
        save_document=text if save else "",
    )


class LetterHandler:
    """Every turn of the letter once it has started, until it is done or left."""

    def can_handle(self, turn: Turn) -> bool:
        letter = turn.state.get(KEY)
        if not isinstance(letter, dict):
            return False
        if letter.get("stage") in QUESTIONS:
            return (
                turn.intent in CONTROLS
                or turn.intent in template_for(turn.locale).intent_phrases
                or turn.intent in ("FallbackIntent", "AMAZON.FallbackIntent")
            )
        return turn.intent in CONTROLS

    def handle(self, turn: Turn) -> Reply:
        letter = dict(turn.state[KEY])
        if turn.intent == "AMAZON.StartOverIntent":
            return begin(turn)
        stage = letter.get("stage")
        if stage in QUESTIONS:
            return _at_question(turn, letter, str(stage))
        return _at_review(turn, letter)
