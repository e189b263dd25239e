"""Rehearsal and letter flows through the core, as both surfaces drive them."""

from __future__ import annotations

from pathlib import Path

import pytest

from intents.content import content_for
from intents.conversation import Conversation
from intents.progress_store import ProgressStore
from intents.rehearsal import scripts

SCRIPT = scripts()["take_break"]
LAST = len(SCRIPT.steps) - 1
PROMPTS = content_for("en-GB").prompts


def _at_step(index: int, surface: str = "") -> Conversation:
    conversation = Conversation(surface=surface)
    conversation.handle("RehearseIntent", {"topic": SCRIPT.id})
    for _ in range(index):
        conversation.handle("AMAZON.NextIntent")
    assert conversation.state["rehearsal"]["step"] == index
    return conversation


def test_there_are_at_least_five_scripts_each_ending_in_the_users_own_words() -> None:
    assert len(scripts()) >= 5
    for script in scripts().values():
        assert "own words" in script.steps[-1].line.lower(), script.id


def test_a_step_says_the_line_leaves_a_timed_turn_then_encourages_on_alexa() -> None:
    reply = _at_step(0).state and Conversation().handle("RehearseIntent", {"topic": SCRIPT.id})
    texts = [segment.text for segment in reply.speech]
    line = texts.index(SCRIPT.steps[0].line)
    pause_ms = sum(s.pause_ms for s in reply.speech[line + 1 :] if not s.text)
    assert pause_ms >= SCRIPT.steps[0].turn_seconds * 1000
    assert SCRIPT.steps[0].encouragement in texts


def test_offline_a_step_waits_for_the_users_attempt_instead_of_a_pause() -> None:
    conversation = _at_step(0, surface="offline")
    assert conversation.expects_free_text
    feedback = conversation.say("um I wanted to talk about maybe having a break", speech_seconds=4)
    assert "4 seconds" in feedback.text
    assert SCRIPT.steps[0].encouragement in feedback.text
    assert not conversation.expects_free_text


def test_feedback_names_a_missed_key_point() -> None:
    conversation = _at_step(0, surface="offline")
    reply = conversation.say("hello there", speech_seconds=1.5)
    missed = max(SCRIPT.steps[0].key_points[0], key=len)
    assert missed in reply.text


@pytest.mark.parametrize("index", [0, 2, LAST])
def test_next_moves_on_and_finishes_after_the_last_step(index: int) -> None:
    conversation = _at_step(index)
    reply = conversation.handle("AMAZON.NextIntent")
    if index == LAST:
        assert PROMPTS["rehearse_finished"][0] in reply.text
        assert "rehearsal" not in conversation.state
        assert conversation.state["progress"]["finished"] is True
    else:
        assert SCRIPT.steps[index + 1].line in reply.text


@pytest.mark.parametrize("index", [0, 2, LAST])
def test_back_goes_to_the_previous_step_and_stays_at_the_first(index: int) -> None:
    reply = _at_step(index).handle("AMAZON.PreviousIntent")
    expected = SCRIPT.steps[max(index - 1, 0)].line
    assert expected in reply.text
    assert (PROMPTS["rehearse_first_step"][0] in reply.text) == (index == 0)


@pytest.mark.parametrize("index", [0, 2, LAST])
def test_repeat_says_the_same_step_again(index: int) -> None:
    conversation = _at_step(index)
    assert SCRIPT.steps[index].line in conversation.handle("AMAZON.RepeatIntent").text


@pytest.mark.parametrize("index", [0, 2, LAST])
@pytest.mark.parametrize("direction", ["slower", "faster"])
def test_slower_and_faster_change_the_rate_and_say_the_step_again(
    index: int, direction: str
) -> None:
    conversation = _at_step(index)
    before = int(conversation.state.get("rate", 90))
    reply = conversation.handle("SpeechRateIntent", {"direction": direction})
    after = conversation.state["rate"]
    assert (after < before) if direction == "slower" else (after > before)
    assert conversation.state["progress"]["rate"] == after
    assert SCRIPT.steps[index].line in reply.text


def test_the_rate_has_limits_and_says_so() -> None:
    conversation = _at_step(0)
    for _ in range(10):
        reply = conversation.handle("SpeechRateIntent", {"direction": "slower"})
    assert "as slow as" in reply.text


@pytest.mark.parametrize("index", [0, 2, LAST])
def test_pause_then_resume_carries_on_at_the_same_step(index: int) -> None:
    conversation = _at_step(index)
    paused = conversation.handle("AMAZON.PauseIntent")
    assert PROMPTS["rehearse_paused"][0] in paused.text
    assert SCRIPT.steps[index].line in conversation.handle("AMAZON.ResumeIntent").text


@pytest.mark.parametrize("index", [0, 2, LAST])
def test_start_over_restarts_the_script(index: int) -> None:
    reply = _at_step(index).handle("AMAZON.StartOverIntent")
    assert SCRIPT.intro in reply.text and SCRIPT.steps[0].line in reply.text


@pytest.mark.parametrize("index", [0, 2, LAST])
def test_stop_ends_and_keeps_the_place(index: int) -> None:
    conversation = _at_step(index)
    reply = conversation.handle("AMAZON.StopIntent")
    assert reply.end_session and PROMPTS["rehearse_stopped"][0] in reply.text
    assert conversation.state["progress"]["step"] == index


def test_which_scripts_are_there_lists_every_title() -> None:
    reply = _at_step(2).handle("ListScriptsIntent")
    assert all(script.title in reply.text for script in scripts().values())


def test_choosing_from_the_list_by_topic_starts_that_script() -> None:
    conversation = Conversation()
    conversation.handle("ListScriptsIntent")
    reply = conversation.handle("ChangeTherapistIntent")
    assert conversation.state["rehearsal"]["script"] == "different_therapist"
    assert scripts()["different_therapist"].steps[0].line in reply.text


def test_yes_to_practising_after_an_answer_starts_the_matching_script() -> None:
    conversation = Conversation()
    conversation.handle("TakeBreakIntent")
    conversation.state["offer"] = {"action": "RehearseIntent", "intent": "TakeBreakIntent"}
    conversation.handle("AMAZON.YesIntent")
    assert conversation.state["rehearsal"]["script"] == "take_break"


def test_continue_my_practice_resumes_in_a_later_conversation(tmp_path: Path) -> None:
    store = ProgressStore(tmp_path / "progress.sqlite3")
    first = Conversation(store=store)
    first.handle("RehearseIntent", {"topic": "discharge"})
    first.handle("AMAZON.NextIntent")
    first.handle("AMAZON.NextIntent")
    first.handle("AMAZON.StopIntent")
    later = Conversation(store=store)
    offer = later.handle("RehearseIntent")
    assert "step 3" in offer.text
    resumed = later.handle("AMAZON.YesIntent")
    assert scripts()["discharge"].steps[2].line in resumed.text


def test_no_to_resuming_offers_the_list() -> None:
    conversation = Conversation(state={"progress": {"script": "discharge", "step": 1}})
    conversation.handle("RehearseIntent")
    reply = conversation.handle("AMAZON.NoIntent")
    assert scripts()["discharge"].title in reply.text


def _letter(surface: str = "") -> Conversation:
    conversation = Conversation(surface=surface)
    conversation.handle("DraftLetterIntent")
    conversation.handle("AMAZON.YesIntent")
    assert conversation.state["letter"]["stage"] == "problem"
    return conversation


def test_the_letter_flow_composes_an_honest_letter_offline() -> None:
    conversation = _letter("offline")
    conversation.say("the sessions feel rushed and I never get to say what I mean")
    conversation.say("I would like to slow down and talk about it")
    conversation.say("her name is Priya")
    review = conversation.say("I'm Sam")
    assert review.card_text.startswith("Dear Priya,")
    assert "the sessions feel rushed" in review.card_text.lower()
    assert "clinical perspective" in review.card_text
    assert review.card_text.rstrip().endswith("Sam")
    assert "Dear Priya" in review.text  # offline reads it all back
    saved = conversation.say("save it")
    assert saved.save_document == review.card_text
    assert "letter" not in conversation.state


def test_on_alexa_the_letter_is_summarised_and_put_on_a_card() -> None:
    conversation = _letter()
    conversation.handle("CaptureIntent", {"text": "my therapist keeps cancelling"})
    conversation.handle("ChangeTherapistIntent")
    conversation.handle("AMAZON.NextIntent")
    review = conversation.handle("AMAZON.NextIntent")
    assert PROMPTS["letter_summary"][0] in review.text
    assert "my therapist keeps cancelling" in review.card_text.lower()
    assert "different therapist" in review.card_text
    assert review.card_text.startswith("Hello,")


def test_a_part_can_be_changed_and_the_letter_started_again() -> None:
    conversation = _letter("offline")
    for answer in ("it is too fast", "a break", "skip", "skip"):
        conversation.say(answer)
    conversation.say("change the names")
    conversation.say("Alex")
    review = conversation.say("Jo")
    assert review.card_text.startswith("Dear Alex,") and review.card_text.rstrip().endswith("Jo")
    restarted = conversation.say("start over")
    assert PROMPTS["letter_q_problem"][0] in restarted.text


def test_a_crisis_phrase_given_as_an_answer_interrupts_the_letter() -> None:
    conversation = _letter("offline")
    reply = conversation.say("honestly I don't want to be alive anymore")
    assert reply.intent == "CrisisIntent"


def test_a_crisis_phrase_in_an_alexa_capture_slot_interrupts_the_letter() -> None:
    conversation = _letter()
    reply = conversation.handle("CaptureIntent", {"text": "I want to end my life"})
    assert reply.intent == "CrisisIntent"


def test_the_store_holds_no_user_text_after_a_rehearsal_and_a_letter(tmp_path: Path) -> None:
    path = tmp_path / "progress.sqlite3"
    conversation = Conversation(surface="offline", store=ProgressStore(path))
    conversation.say("help me practise asking for a break")
    conversation.say("ZEBRAQUARTZ I would like a break please", speech_seconds=3)
    conversation.say("next")
    conversation.say("help me write a letter to my therapist")
    conversation.say("yes")
    for answer in ("ZEBRAQUARTZ sessions are hard", "ZEBRAQUARTZ a pause", "Zebraquartz", "skip"):
        conversation.say(answer)
    conversation.say("I've finished the letter")
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    assert b"ZEBRAQUARTZ" not in raw.upper()
    assert ProgressStore(path).load("local:default")["script"] == "take_break"
