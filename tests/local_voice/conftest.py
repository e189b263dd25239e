"""Spoken fixtures made once per test run: real pyttsx3 speech, clean and at 20 dB SNR."""

from __future__ import annotations

from pathlib import Path

import pytest

from local_voice.spoken_set import SpokenItem, load_questions, synthesise_set

HERE = Path(__file__).resolve().parent
QUESTIONS = HERE / "spoken_questions.yaml"
#: The first two questions per intent keep the end-to-end tests inside their time budget;
#: `python -m local_voice.benchmark` uses all of them.
QUICK = 2


@pytest.fixture(scope="session")
def quick_pairs() -> list[tuple[str, str]]:
    return load_questions(QUESTIONS, per_intent=QUICK)


@pytest.fixture(scope="session")
def spoken_clean(
    quick_pairs: list[tuple[str, str]], tmp_path_factory: pytest.TempPathFactory
) -> list[SpokenItem]:
    return synthesise_set(quick_pairs, tmp_path_factory.mktemp("spoken-clean"))


@pytest.fixture(scope="session")
def spoken_noisy(
    quick_pairs: list[tuple[str, str]], tmp_path_factory: pytest.TempPathFactory
) -> list[SpokenItem]:
    return synthesise_set(quick_pairs, tmp_path_factory.mktemp("spoken-noisy"), snr_db=20)
