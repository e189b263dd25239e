"""Real speech end to end: pyttsx3 questions -> recogniser -> core -> pyttsx3 reply WAVs."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from intents.catalog import default_catalog
from intents.normalise import words
from local_voice.audio import read_wav
from local_voice.commands import listen, transcribe
from local_voice.endpointing import speech_seconds
from local_voice.pocketsphinx_engine import PocketsphinxRecogniser
from local_voice.spoken_set import SpokenItem, intent_matches, load_questions
from local_voice.vosk_engine import find_model, model_language
from tests.local_voice.conftest import QUESTIONS

pytestmark = pytest.mark.slow

#: Measured on the quick set (docs/offline-voice.md); the floors leave room for small changes in
#: espeak-ng or pocketsphinx builds, not for regressions of the catalog language model.
MIN_CLEAN_ACCURACY = 0.78
MIN_NOISY_ACCURACY = 0.75


def _transcribe(items: list[SpokenItem], *extra: str) -> dict[str, dict[str, object]]:
    result = CliRunner().invoke(
        transcribe, ["--json", *extra, *[str(i.path) for i in items]], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    return {str(row["file"]): row for row in rows}


@pytest.fixture(scope="module")
def clean_rows(spoken_clean: list[SpokenItem]) -> dict[str, dict[str, object]]:
    return _transcribe(spoken_clean, "--engine", "pocketsphinx")


@pytest.fixture(scope="module")
def noisy_rows(spoken_noisy: list[SpokenItem]) -> dict[str, dict[str, object]]:
    return _transcribe(spoken_noisy, "--engine", "pocketsphinx")


def _accuracy(items: list[SpokenItem], rows: dict[str, dict[str, object]]) -> float:
    hits = [intent_matches(i.intent, str(rows[str(i.path)]["intent"])) for i in items]
    return sum(hits) / len(hits)


def test_spoken_questions_are_not_catalog_samples() -> None:
    catalog = default_catalog()
    samples = {
        " ".join(words(text))
        for intent in catalog.intents.values()
        for text, _ in catalog.expand(intent)
    }
    pairs = load_questions(QUESTIONS)
    context_only = {"CaptureIntent"}  # free speech inside a letter or rehearsal, not a question
    assert {intent for intent, _ in pairs} == set(catalog.intents) - context_only
    copied = [text for _, text in pairs if " ".join(words(text)) in samples]
    assert not copied, f"use your own phrasings, not catalog samples: {copied}"


def test_transcribe_json_clean_speech(
    spoken_clean: list[SpokenItem], clean_rows: dict[str, dict[str, object]]
) -> None:
    rows = clean_rows
    assert len(rows) == len(spoken_clean)
    for row in rows.values():
        assert set(row) == {"file", "transcript", "intent", "confidence", "engine"}
        assert row["engine"] == "pocketsphinx"
    accuracy = _accuracy(spoken_clean, rows)
    assert accuracy >= MIN_CLEAN_ACCURACY, f"clean spoken intent accuracy {accuracy:.2f}"


def test_transcribe_json_noisy_speech(
    spoken_noisy: list[SpokenItem], noisy_rows: dict[str, dict[str, object]]
) -> None:
    accuracy = _accuracy(spoken_noisy, noisy_rows)
    assert accuracy >= MIN_NOISY_ACCURACY, f"20 dB SNR spoken intent accuracy {accuracy:.2f}"


def test_every_intent_recognised_in_some_recording(
    spoken_clean: list[SpokenItem], clean_rows: dict[str, dict[str, object]]
) -> None:
    rows = clean_rows
    hits = Counter(
        i.intent for i in spoken_clean if intent_matches(i.intent, str(rows[str(i.path)]["intent"]))
    )
    missed = sorted({i.intent for i in spoken_clean} - set(hits))
    assert len(missed) <= 2, f"intents never recognised from speech: {missed}"


def test_out_of_domain_speech_goes_to_fallback(
    spoken_clean: list[SpokenItem], clean_rows: dict[str, dict[str, object]]
) -> None:
    ood = [i for i in spoken_clean if i.intent == "FallbackIntent"]
    rows = clean_rows
    fallbacks = [intent_matches("FallbackIntent", str(rows[str(i.path)]["intent"])) for i in ood]
    assert sum(fallbacks) >= 0.75 * len(ood), rows


def test_spoken_crisis_gets_the_crisis_reply(
    spoken_clean: list[SpokenItem], spoken_noisy: list[SpokenItem], tmp_path: Path
) -> None:
    crisis = [i for i in spoken_clean + spoken_noisy if i.intent == "CrisisIntent"]
    replies = tmp_path / "replies"
    for item in crisis[:4]:
        result = CliRunner().invoke(
            listen, ["--wav", str(item.path), "--say-to", str(replies), "--engine", "pocketsphinx"]
        )
        assert result.exit_code == 0, result.output
        assert "Samaritans" in result.stdout or "988" in result.stdout, (item.text, result.stdout)


def _reply_texts(output: str) -> list[str]:
    return [line[len("app: ") :] for line in output.splitlines() if line.startswith("app: ")]


@pytest.mark.parametrize("condition", ["clean", "noisy"])
def test_listen_wav_conversation_writes_spoken_replies(
    condition: str,
    spoken_clean: list[SpokenItem],
    spoken_noisy: list[SpokenItem],
    tmp_path: Path,
) -> None:
    items = spoken_clean if condition == "clean" else spoken_noisy
    chosen = [
        next(i for i in items if i.intent == name)
        for name in ("ExpectationsIntent", "AMAZON.RepeatIntent", "FallbackIntent")
    ]
    replies = tmp_path / "replies"
    result = CliRunner().invoke(
        listen,
        [
            "--wav",
            *[str(i.path) for i in chosen],
            "--say-to",
            str(replies),
            "--engine",
            "pocketsphinx",
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    texts = _reply_texts(result.stdout)
    files = sorted(replies.glob("reply-*.wav"))
    assert len(files) == len(texts) == len(chosen) + 1  # the greeting, then one per file
    for path, text in zip(files, texts, strict=True):
        audio = read_wav(path).audio
        expected = len(re.findall(r"\w+", text)) / 150 * 60  # words at 150 per minute
        assert 0.5 * expected <= audio.seconds <= 2.5 * expected + 2, (path.name, audio.seconds)
        assert speech_seconds(audio) >= 0.4 * expected, f"{path.name} is not speech"


def test_reply_wav_is_intelligible_speech(spoken_clean: list[SpokenItem], tmp_path: Path) -> None:
    """Decode our own reply with the open-vocabulary model: many of its words come back."""
    item = next(i for i in spoken_clean if i.intent == "TherapyNotWorkingIntent")
    replies = tmp_path / "replies"
    result = CliRunner().invoke(
        listen, ["--wav", str(item.path), "--say-to", str(replies), "--engine", "pocketsphinx"]
    )
    text = _reply_texts(result.stdout)[-1]
    audio = read_wav(replies / "reply-002.wav").audio
    heard = PocketsphinxRecogniser([["hello"]]).transcribe(audio.pcm(), open_vocabulary=True)
    said = set(words(text))
    overlap = len(said & set(heard.text.split())) / len(said)
    assert overlap >= 0.3, (text, heard.text)


def _english_vosk_model() -> Path | None:
    try:
        path = find_model()
    except Exception:  # a broken $VOSK_MODEL_PATH is tested elsewhere
        return None
    return path if path is not None and model_language(path).startswith("en") else None


@pytest.mark.skipif(
    _english_vosk_model() is None,
    reason="no English Vosk model on this machine (run `therapy-checkin models download`)",
)
def test_vosk_end_to_end(spoken_clean: list[SpokenItem], spoken_noisy: list[SpokenItem]) -> None:
    clean = _accuracy(spoken_clean, _transcribe(spoken_clean, "--engine", "vosk"))
    noisy = _accuracy(spoken_noisy, _transcribe(spoken_noisy, "--engine", "vosk"))
    assert clean >= MIN_CLEAN_ACCURACY and noisy >= MIN_NOISY_ACCURACY, (clean, noisy)
