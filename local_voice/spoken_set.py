"""The synthesised spoken test set shared by the tests and `python -m local_voice.benchmark`.

Questions come from a data file of our own phrasings (not catalog samples), rendered with the
app's own pyttsx3 synthesiser in two voices and rates, optionally with pink noise at 20 dB SNR.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from local_voice.audio import SAMPLE_RATE, Audio, mix_at_snr, resample, to_int16, write_wav
from local_voice.speech_output import Synthesiser

#: (voice, words per minute): two accents at two paces.
VOICES = (("en-GB", 150), ("en-US", 180))
FALLBACKS = frozenset({"FallbackIntent", "AMAZON.FallbackIntent"})


@dataclass(frozen=True)
class SpokenItem:
    intent: str
    text: str
    voice: str
    rate: int
    path: Path


def load_questions(path: Path, per_intent: int | None = None) -> list[tuple[str, str]]:
    """(expected intent, sentence) pairs; out-of-domain sentences expect FallbackIntent."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    pairs = [
        (intent, text) for intent, texts in data["intents"].items() for text in texts[:per_intent]
    ]
    pairs += [("FallbackIntent", text) for text in data.get("out_of_domain", [])[:per_intent]]
    return pairs


def intent_matches(expected: str, got: str) -> bool:
    """Either fallback name counts for out-of-domain speech."""
    return got == expected or (expected in FALLBACKS and got in FALLBACKS)


def synthesise_set(
    pairs: list[tuple[str, str]], folder: Path, snr_db: float | None = None
) -> list[SpokenItem]:
    """Write one 16 kHz WAV per (sentence, voice); noisy copies when snr_db is given."""
    folder.mkdir(parents=True, exist_ok=True)
    items = []
    for voice, rate in VOICES:
        synth = Synthesiser(voice=voice)
        try:
            for index, (intent, text) in enumerate(pairs):
                audio = synth.render(text, rate)
                speech = Audio(to_int16(resample(audio.samples, audio.sample_rate, SAMPLE_RATE)))
                if snr_db is not None:
                    speech = mix_at_snr(speech, snr_db, seed=index)
                path = folder / f"{voice}-{rate}-{index:03d}.wav"
                write_wav(path, speech)
                items.append(SpokenItem(intent, text, voice, rate, path))
        finally:
            synth.close()
    return items


def silence_and_noise(folder: Path) -> Iterator[Path]:
    """Negative examples: a file of digital silence and one of room noise."""
    quiet = folder / "silence.wav"
    write_wav(quiet, Audio(np.zeros(SAMPLE_RATE * 3, dtype=np.int16)))
    yield quiet
    hum = folder / "noise.wav"
    noise = np.random.default_rng(1).standard_normal(SAMPLE_RATE * 3) * 200
    write_wav(hum, Audio(to_int16(noise)))
    yield hum
