"""Vosk: the better recogniser, used whenever a model folder is available.

Never `vosk.Model(lang=...)`: it downloads without a checksum and calls sys.exit on failure.
Models come from --model, $VOSK_MODEL_PATH or our user data folder (`models download`).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import platformdirs

from local_voice.errors import ModelError
from local_voice.language_model import vosk_phrases
from local_voice.recogniser import Transcript

APP_NAME = "therapy-checkin"
MODEL_ENV = "VOSK_MODEL_PATH"
MODELS_DIR_ENV = "THERAPY_CHECKIN_MODELS_DIR"
REQUIRED = ("am/final.mdl", "conf/model.conf")
DOWNLOAD_HINT = (
    "Run `therapy-checkin models download`, or pass --model PATH to a Vosk model folder."
)


def models_dir() -> Path:
    """Where `models download` puts models: the per-user data folder unless overridden."""
    override = os.environ.get(MODELS_DIR_ENV)
    return Path(override) if override else Path(platformdirs.user_data_dir(APP_NAME)) / "models"


def model_problem(path: Path) -> str | None:
    """Why `path` is not a usable Vosk model folder, or None when it looks complete."""
    if not path.is_dir():
        return f"{path} is not a folder"
    missing = [part for part in REQUIRED if not (path / part).is_file()]
    graph = path / "graph"
    if not (graph / "HCLG.fst").is_file() and not (graph / "HCLr.fst").is_file():
        missing.append("graph/HCLG.fst or graph/HCLr.fst")
    if missing:
        return f"{path} is not a complete Vosk model (missing {', '.join(missing)})"
    return None


def supports_grammar(path: Path) -> bool:
    """Only lookahead models (HCLr.fst + Gr.fst: the small ones) accept a phrase list."""
    return (path / "graph" / "HCLr.fst").is_file() and (path / "graph" / "Gr.fst").is_file()


def _checked(path: Path, where: str) -> Path:
    problem = model_problem(path)
    if problem:
        raise ModelError(f"{problem} (from {where}). {DOWNLOAD_HINT}")
    return path


def find_model(explicit: Path | None = None) -> Path | None:
    """--model, then $VOSK_MODEL_PATH (a model or a folder of models), then our models folder."""
    if explicit is not None:
        return _checked(explicit, "--model")
    env = os.environ.get(MODEL_ENV)
    if env:
        path = Path(env)
        if model_problem(path) is None:
            return path
        inside = _installed_in(path)
        if inside is None:
            return _checked(path, f"${MODEL_ENV}")
        return inside
    return _installed_in(models_dir())


def _installed_in(folder: Path) -> Path | None:
    if not folder.is_dir():
        return None
    candidates = sorted(
        (p for p in folder.iterdir() if p.name.startswith("vosk-model")),
        reverse=True,
    )
    return next((p for p in candidates if model_problem(p) is None), None)


def model_language(path: Path) -> str:
    """The model's language: from our download record, else from the folder name."""
    record = path / "therapy-checkin-model.json"
    try:
        return str(json.loads(record.read_text(encoding="utf-8"))["lang"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    parts = path.name.replace("vosk-model-", "").replace("small-", "").split("-")
    return "-".join(p for p in parts[:2] if p.isalpha())


class VoskRecogniser:
    """Vosk with a catalog phrase list (plus "[unk]") and an open-vocabulary recogniser."""

    name = "vosk"

    def __init__(self, model_path: Path, sentences: Sequence[Sequence[str]]) -> None:
        _checked(model_path, "the model folder")
        import vosk

        vosk.SetLogLevel(-2)  # Kaldi warnings list every grammar word; keep them quiet
        self.model_path = model_path
        try:
            self._model = vosk.Model(str(model_path))
        except Exception as exc:  # vosk raises a bare Exception("Failed to create a model")
            raise ModelError(
                f"Vosk could not load {model_path} ({exc}): the folder may be damaged or "
                f"not for this Vosk version. Delete it and download again. {DOWNLOAD_HINT}"
            ) from exc
        self._open = vosk.KaldiRecognizer(self._model, 16_000)
        self._catalog = (
            vosk.KaldiRecognizer(self._model, 16_000, vosk_phrases(sentences))
            if supports_grammar(model_path)
            else self._open
        )
        self._current: Any = self._catalog
        self._parts: list[str] = []
        self._open_vocabulary = False

    def describe(self) -> str:
        return f"Speech recognition: Vosk with the model in {self.model_path}."

    def start(self, open_vocabulary: bool = False) -> None:
        self._open_vocabulary = open_vocabulary
        self._current = self._open if open_vocabulary else self._catalog
        self._current.Reset()
        self._parts = []

    def feed(self, pcm: bytes) -> None:
        if self._current.AcceptWaveform(pcm):
            self._parts.append(_text(self._current.Result(), "text"))

    def partial(self) -> str:
        return _clean(" ".join([*self._parts, _text(self._current.PartialResult(), "partial")]))

    def finish(self) -> Transcript:
        started = time.perf_counter()
        text = _clean(" ".join([*self._parts, _text(self._current.FinalResult(), "text")]))
        return Transcript(
            text, self.name, self._open_vocabulary, decode_seconds=time.perf_counter() - started
        )

    def transcribe(self, pcm: bytes, open_vocabulary: bool = False) -> Transcript:
        started = time.perf_counter()
        self.start(open_vocabulary)
        self.feed(pcm)
        return self.finish().for_utterance(pcm, started)


def _text(result_json: str, key: str) -> str:
    try:
        return str(json.loads(result_json).get(key, ""))
    except ValueError:
        return ""


def _clean(text: str) -> str:
    return " ".join(word for word in text.split() if word != "[unk]")
