"""The hands-free rehearsal flow: choose a script, step through it, resume it another day."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from intents.content import content_for
from intents.rehearsal import Script, feedback, script_for_intent, scripts
from intents.replies import answer_reply, carried, prompt
from intents.reply import Reply, Segment
from intents.turn import Turn

KEY = "rehearsal"
MAX_BREAK_MS = 10_000  # one pause segment; longer turns are several in a row (Alexa's limit)
#: Words per minute below or above which pace feedback says slow or quick.
CALM_PACE, QUICK_PACE = 110, 170
CONTROLS = (
    "AMAZON.NextIntent",
    "AMAZON.PreviousIntent",
    "AMAZON.PauseIntent",
    "AMAZON.ResumeIntent",
    "AMAZON.StartOverIntent",
    "AMAZON.StopIntent",
    "AMAZON.CancelIntent",
    "CaptureIntent",
)


def offline(state: Mapping[str, Any]) -> bool:
    """The offline app hears attempts and reads long text aloud; Alexa does neither."""
    return state.get("surface") == "offline"


def progress_of(state: Mapping[str, Any]) -> dict[str, Any]:
    progress = state.get("progress")
    return dict(progress) if isinstance(progress, dict) else {}


def _pauses(seconds: int) -> list[Segment]:
    total, out = seconds * 1000, []
    while total > 0:
        out.append(Segment("", min(total, MAX_BREAK_MS)))
        total -= MAX_BREAK_MS
    return out


def step_reply(turn: Turn, script: Script, index: int, lead: tuple[Segment, ...] = ()) -> Reply:
    """Say step `index`; on Alexa the user's turn is a timed pause, offline the app listens."""
    content = content_for(turn.locale)
    step, last = script.steps[index], len(script.steps) - 1
    speech = list(lead)
    if index < last:
        speech += prompt(content, "rehearse_step_number", number=index + 1, total=last)
    speech += [Segment(step.line, 800), *prompt(content, "rehearse_your_turn")]
    hint = prompt(content, "rehearse_next_hint")
    phase = "attempt" if offline(turn.state) else "step"
    if phase == "step":
        speech += [*_pauses(step.turn_seconds), Segment(step.encouragement), *hint]
    progress = {**progress_of(turn.state), "script": script.id, "step": index, "finished": False}
    return Reply(
        speech=tuple(speech),
        reprompt=hint,
        card_title=script.title,
        card_text=step.line,
        state=carried(
            turn.state,
            rehearsal={"script": script.id, "step": index, "phase": phase},
            progress=progress,
        ),
        intent="RehearseIntent",
    )


def start(turn: Turn, script: Script) -> Reply:
    content = content_for(turn.locale)
    lead = (*prompt(content, "rehearse_start", title=_spoken(script.title)), Segment(script.intro))
    return step_reply(turn, script, 0, lead)


def _spoken(title: str) -> str:
    return title[:1].lower() + title[1:]


def choose(turn: Turn, lead: tuple[Segment, ...] = ()) -> Reply:
    """List the scripts and wait for the user to pick one; a script under way stays so."""
    content = content_for(turn.locale)
    titles = [Segment(f"{script.title}.") for script in scripts().values()]
    speech = (
        *lead,
        *prompt(content, "rehearse_choose"),
        *titles,
        *prompt(content, "rehearse_choose_hint"),
    )
    return Reply(
        speech=speech,
        reprompt=prompt(content, "rehearse_choose_hint"),
        card_title="Practice scripts",
        card_text="\n".join(script.title for script in scripts().values()),
        state=carried(turn.state, rehearsal={**_current(turn.state), "phase": "choosing"}),
        intent="ListScriptsIntent",
    )


def _current(state: Mapping[str, Any]) -> dict[str, Any]:
    current = state.get(KEY)
    return dict(current) if isinstance(current, dict) else {}


def resume_offer(turn: Turn) -> Reply | None:
    progress = progress_of(turn.state)
    script = scripts().get(str(progress.get("script")))
    if script is None or progress.get("finished"):
        return None
    content = content_for(turn.locale)
    speech = prompt(
        content,
        "rehearse_resume_offer",
        title=_spoken(script.title),
        number=int(progress.get("step", 0)) + 1,
    )
    return Reply(
        speech=speech,
        reprompt=speech[-1:],
        state=carried(turn.state, offer={"action": "resume", "intent": "RehearseIntent"}),
        intent="RehearseIntent",
    )


def resume(turn: Turn) -> Reply:
    progress = progress_of(turn.state)
    script = scripts().get(str(progress.get("script")))
    if script is None:
        return choose(turn, prompt(content_for(turn.locale), "rehearse_nothing_to_resume"))
    index = min(int(progress.get("step", 0)), len(script.steps) - 1)
    return step_reply(turn, script, index)


def start_for_offer(turn: Turn, answered: str) -> Reply:
    """'Yes' to practising after an answer: the script for that answer, or the list."""
    script = script_for_intent(answered)
    return start(turn, script) if script else choose(turn)


def finish(turn: Turn, script: Script) -> Reply:
    content = content_for(turn.locale)
    offer = content.offers["letter"]
    progress = {**progress_of(turn.state), "script": script.id, "step": 0, "finished": True}
    state = carried(
        turn.state, progress=progress, offer={"action": offer.action, "intent": "RehearseIntent"}
    )
    state.pop(KEY, None)
    return Reply(
        speech=(*prompt(content, "rehearse_finished"), Segment(offer.ask)),
        reprompt=(Segment(offer.ask),),
        state=state,
        intent="RehearseIntent",
    )


def attempt_feedback(turn: Turn, script: Script, index: int) -> Reply:
    """Gentle, specific feedback on what the user just said aloud (offline only)."""
    content = content_for(turn.locale)
    step = script.steps[index]
    said = turn.slots.get("text", turn.text).strip()
    state = carried(turn.state, rehearsal={"script": script.id, "step": index, "phase": "step"})
    hint = prompt(content, "rehearse_next_hint")
    if not said:
        return Reply(
            speech=prompt(content, "feedback_not_heard"),
            reprompt=hint,
            state=state,
            intent="RehearseIntent",
        )
    result = feedback(step, said, turn.speech_seconds)
    speech: list[Segment] = []
    if result.seconds:
        speech += prompt(content, "feedback_duration", seconds=round(result.seconds))
        pace = (
            "feedback_pace_slow"
            if result.words_per_minute < CALM_PACE
            else "feedback_pace_fast"
            if result.words_per_minute > QUICK_PACE
            else "feedback_pace_ok"
        )
        speech += prompt(content, pace)
    if result.missed:
        speech += prompt(content, "feedback_missed", point=result.missed[0])
    else:
        speech += prompt(content, "feedback_covered")[:1]
    speech += [Segment(step.encouragement), *hint]
    return Reply(speech=tuple(speech), reprompt=hint, state=state, intent="RehearseIntent")


class RehearsalControlHandler:
    """Next, back, pause, resume, start over, stop and attempts while a script is under way."""

    def can_handle(self, turn: Turn) -> bool:
        current = turn.state.get(KEY)
        return (
            isinstance(current, dict)
            and current.get("script") in scripts()
            and turn.intent in CONTROLS
        )

    def handle(self, turn: Turn) -> Reply:
        current = turn.state[KEY]
        script = scripts()[current["script"]]
        index = min(int(current.get("step", 0)), len(script.steps) - 1)
        content = content_for(turn.locale)
        if turn.intent == "CaptureIntent":
            if current.get("phase") == "attempt":
                return attempt_feedback(turn, script, index)
            return step_reply(turn, script, index)
        if turn.intent == "AMAZON.NextIntent":
            if index + 1 < len(script.steps):
                return step_reply(turn, script, index + 1)
            return finish(turn, script)
        if turn.intent == "AMAZON.PreviousIntent":
            lead = prompt(content, "rehearse_first_step") if index == 0 else ()
            return step_reply(turn, script, max(index - 1, 0), lead)
        if turn.intent == "AMAZON.StartOverIntent":
            return start(turn, script)
        if turn.intent == "AMAZON.PauseIntent":
            paused = {**current, "phase": "paused"}
            return Reply(
                speech=prompt(content, "rehearse_paused"),
                reprompt=prompt(content, "rehearse_paused")[:1],
                state=carried(turn.state, rehearsal=paused),
                intent=turn.intent,
            )
        if turn.intent == "AMAZON.ResumeIntent":
            return step_reply(turn, script, index)
        return Reply(  # stop or cancel: the place is kept in progress for next time
            speech=(*prompt(content, "rehearse_stopped"), *prompt(content, "goodbye")),
            end_session=True,
            state=carried(turn.state),
            intent=turn.intent,
        )


class RehearsalStartHandler:
    """'Help me practise', a chosen topic, 'continue my practice', or the list of scripts."""

    def can_handle(self, turn: Turn) -> bool:
        if turn.intent in ("RehearseIntent", "ListScriptsIntent"):
            return True
        if turn.intent == "AMAZON.ResumeIntent":
            return resume_offer(turn) is not None
        current = turn.state.get(KEY)
        choosing = isinstance(current, dict) and current.get("phase") == "choosing"
        return choosing and script_for_intent(turn.intent) is not None

    def handle(self, turn: Turn) -> Reply:
        if turn.intent == "ListScriptsIntent":
            count = len(scripts())
            return choose(
                turn, prompt(content_for(turn.locale), "rehearse_list_intro", count=count)
            )
        if turn.intent == "AMAZON.ResumeIntent":
            return resume(turn)
        chosen = scripts().get(turn.slots.get("topic", "")) or script_for_intent(turn.intent)
        if chosen:
            return start(turn, chosen)
        offer = resume_offer(turn)
        if offer:
            return offer
        return answer_reply(turn.locale, "RehearseIntent", turn.state)
