"""Finding and loading Vosk models: every problem is a clear ModelError, never a crash."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from local_voice.commands import transcribe
from local_voice.engines import make_recogniser
from local_voice.errors import ModelError
from local_voice.vosk_engine import (
    MODEL_ENV,
    MODELS_DIR_ENV,
    VoskRecogniser,
    find_model,
    model_language,
    model_problem,
)
from tests.local_voice.test_model_download import LAYOUT


def fake_layout(folder: Path) -> Path:
    """A folder with a model's file names but not a model's content (a damaged download)."""
    for name, data in LAYOUT.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    return folder


@pytest.fixture(autouse=True)
def no_installed_models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    empty = tmp_path / "models"
    monkeypatch.setenv(MODELS_DIR_ENV, str(empty))
    monkeypatch.delenv(MODEL_ENV, raising=False)
    return empty


def test_missing_model_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="models download"):
        find_model(tmp_path / "nowhere")


def test_incomplete_model_folder_names_what_is_missing(tmp_path: Path) -> None:
    (tmp_path / "am").mkdir()
    problem = model_problem(tmp_path)
    assert problem is not None and "am/final.mdl" in problem and "graph" in problem


def test_corrupt_model_folder_fails_to_load_cleanly(tmp_path: Path) -> None:
    folder = fake_layout(tmp_path / "vosk-model-small-en-us-0.15")
    with pytest.raises(ModelError, match="could not load"):
        VoskRecogniser(folder, [("hello",)])


def test_env_variable_may_name_a_model_or_a_folder_of_models(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = fake_layout(tmp_path / "vosk-model-small-en-us-0.15")
    monkeypatch.setenv(MODEL_ENV, str(model))
    assert find_model() == model
    monkeypatch.setenv(MODEL_ENV, str(tmp_path))
    assert find_model() == model
    monkeypatch.setenv(MODEL_ENV, str(tmp_path / "missing"))
    with pytest.raises(ModelError, match=MODEL_ENV):
        find_model()


def test_installed_model_is_found_and_its_language_known(no_installed_models: Path) -> None:
    model = fake_layout(no_installed_models / "vosk-model-small-en-us-0.15")
    assert find_model() == model
    assert model_language(model) == "en-us"


def test_auto_falls_back_to_pocketsphinx_without_a_model() -> None:
    recogniser = make_recogniser("auto")
    assert recogniser.name == "pocketsphinx"
    assert "models download" in recogniser.describe()


def test_vosk_engine_without_a_model_says_how_to_get_one() -> None:
    with pytest.raises(ModelError, match="models download"):
        make_recogniser("vosk")


def test_transcribe_with_a_bad_model_path(tmp_path: Path) -> None:
    result = CliRunner().invoke(transcribe, ["--model", str(tmp_path / "x"), "a.wav"])
    assert result.exit_code != 0
    assert "not a folder" in result.output and "models download" in result.output
