"""Choosing the recogniser: Vosk when a model is available, else pocketsphinx (no download)."""

from __future__ import annotations

from pathlib import Path

from local_voice.domain import catalog_sentences
from local_voice.errors import ModelError
from local_voice.pocketsphinx_engine import PocketsphinxRecogniser
from local_voice.recogniser import Recogniser
from local_voice.vosk_engine import DOWNLOAD_HINT, VoskRecogniser, find_model, model_language

ENGINES = ("auto", "vosk", "pocketsphinx")


def make_recogniser(engine: str = "auto", model: Path | None = None) -> Recogniser:
    """Build the engine asked for; "auto" prefers Vosk and falls back to pocketsphinx."""
    if engine not in ENGINES:
        raise ModelError(f"Unknown engine {engine!r}; use one of {', '.join(ENGINES)}.")
    sentences = catalog_sentences()
    if engine == "pocketsphinx":
        return PocketsphinxRecogniser(sentences)
    found = find_model(model)
    if found is not None and (model is not None or engine == "vosk" or _english(found)):
        return VoskRecogniser(found, sentences)
    if engine == "vosk":
        raise ModelError(f"No Vosk model found. {DOWNLOAD_HINT}")
    return PocketsphinxRecogniser(sentences)


def _english(model: Path) -> bool:
    """auto never picks a model for another language: the catalog is English."""
    return model_language(model).lower().startswith("en")
