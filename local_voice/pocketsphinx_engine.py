"""pocketsphinx: works on a fresh install, since its English model ships inside the PyPI package.

Two searches share one decoder: "catalog" (our trigram built from the catalog, for questions)
and the bundled general en-us model (open vocabulary, for letters and rehearsal attempts).
"""

from __future__ import annotations

import itertools
import logging
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from pocketsphinx import Decoder, NGramModel

from local_voice.errors import ModelError
from local_voice.language_model import build_trigram
from local_voice.pronunciations import missing_pronunciations
from local_voice.recogniser import Transcript

log = logging.getLogger(__name__)

CATALOG_SEARCH = "catalog"
#: Share of unigram mass for general English words; see docs/offline-voice.md for the sweep.
GENERAL_WEIGHT = 0.1
GENERAL_WORDS = 3000
_BAD_TOKEN = set("<>.()_0123456789")
#: Decoder settings chosen by measurement (docs/offline-voice.md): wider beams, more Gaussians.
DECODER_SETTINGS = {
    "topn": 8, "beam": 1e-60, "wbeam": 1e-40, "maxhmmpf": -1, "pl_window": 0,
    "lw": 8.0, "fwdflatlw": 10.5, "bestpathlw": 11.7, "wip": 0.3,
}  # fmt: skip
#: How many distinct readings to offer for intent voting (see local_voice/readings.py).
ALTERNATIVES = 5
#: Silence added around a whole utterance: the decoder needs some before the first word.
PAD_SECONDS = 0.25
#: A faint noise floor (about -50 dBFS). Digitally clean audio (synthesised or noise-suppressed)
#: leaves empty spectral bands that throw the acoustic model; real rooms never do.
NOISE_FLOOR = 100.0


def with_noise_floor(pcm: bytes, rng: np.random.Generator, pad_seconds: float = 0.0) -> bytes:
    """pcm with optional silence either side, plus a faint constant noise floor."""
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float32)
    pad = np.zeros(int(pad_seconds * 16_000), dtype=np.float32)
    samples = np.concatenate([pad, samples, pad])
    noisy = samples + rng.standard_normal(len(samples)).astype(np.float32) * NOISE_FLOOR
    return np.clip(np.rint(noisy), -32768, 32767).astype("<i2").tobytes()


class PocketsphinxRecogniser:
    """Streaming pocketsphinx decoder with a catalog-biased and an open-vocabulary search."""

    name = "pocketsphinx"

    def __init__(
        self,
        sentences: Sequence[Sequence[str]],
        general_words: int = GENERAL_WORDS,
        general_weight: float = GENERAL_WEIGHT,
    ) -> None:
        try:
            self._decoder = Decoder(loglevel="FATAL", **DECODER_SETTINGS)
        except (RuntimeError, ValueError) as exc:
            raise ModelError(
                f"pocketsphinx could not load its bundled English model ({exc}). "
                "Reinstall it: pip install --force-reinstall pocketsphinx"
            ) from exc
        self._open_vocabulary = False
        self._rng = np.random.default_rng(0)
        self._add_catalog_search(sentences, general_words, general_weight)

    def describe(self) -> str:
        return (
            "Speech recognition: pocketsphinx with its built-in English model, tuned to this "
            "app's questions. For better recognition run `therapy-checkin models download` "
            "to get the Vosk English model."
        )

    def _add_catalog_search(
        self, sentences: Sequence[Sequence[str]], general_words: int, general_weight: float
    ) -> None:
        added, dropped = missing_pronunciations(w for s in sentences for w in s)
        for word, phones in added.items():
            self._decoder.add_word(word, phones, False)
        if dropped:
            log.debug("left out of the catalog model (no pronunciation): %d words", len(dropped))
        drop = set(dropped)
        usable = [[w for w in s if w not in drop] for s in sentences]
        general = self.general_words(general_words) if general_weight > 0 else {}
        model = build_trigram(usable, general, general_weight)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "catalog.arpa"
            path.write_text(model.arpa(), encoding="utf-8")
            lm = NGramModel(self._decoder.config, self._decoder.logmath, str(path))
        self._decoder.add_lm(CATALOG_SEARCH, lm)

    def general_words(self, count: int) -> dict[str, float]:
        """The most frequent words of the bundled general model, with their probabilities."""
        default = self._decoder.get_lm()
        logmath = self._decoder.logmath
        scored: list[tuple[float, str]] = []
        with open(self._decoder.config["dict"], encoding="utf-8") as handle:
            for line in handle:
                word = line.split(" ", 1)[0]
                if "(" in word or _BAD_TOKEN.intersection(word):
                    continue
                scored.append((logmath.exp(default.prob([word])), word))
        scored.sort(reverse=True)
        return {word: prob for prob, word in scored[:count]}

    def start(self, open_vocabulary: bool = False) -> None:
        self._open_vocabulary = open_vocabulary
        self._decoder.activate_search(None if open_vocabulary else CATALOG_SEARCH)
        self._decoder.start_utt()

    def feed(self, pcm: bytes) -> None:
        self._decoder.process_raw(with_noise_floor(pcm, self._rng), False, False)

    def partial(self) -> str:
        hyp = self._decoder.hyp()
        return hyp.hypstr if hyp else ""

    def finish(self) -> Transcript:
        started = time.perf_counter()
        self._decoder.end_utt()
        hyp = self._decoder.hyp()
        text = hyp.hypstr if hyp else ""
        return Transcript(
            text,
            self.name,
            self._open_vocabulary,
            decode_seconds=time.perf_counter() - started,
            alternatives=self._alternatives(text),
        )

    def _alternatives(self, best: str) -> tuple[str, ...]:
        if self._open_vocabulary or not best:
            return ()
        readings = [best]
        for hyp in itertools.islice(self._decoder.nbest(), 4 * ALTERNATIVES):
            if hyp is not None and hyp.hypstr and hyp.hypstr not in readings:
                readings.append(hyp.hypstr)
            if len(readings) == ALTERNATIVES:
                break
        return tuple(readings[1:])

    def transcribe(self, pcm: bytes, open_vocabulary: bool = False) -> Transcript:
        """Decode a whole utterance at once, with the utterance's own cepstral mean."""
        started = time.perf_counter()
        self.start(open_vocabulary)
        rng = np.random.default_rng(len(pcm))  # the same file always gives the same words
        self._decoder.process_raw(with_noise_floor(pcm, rng, PAD_SECONDS), False, True)
        return self.finish().for_utterance(pcm, started)
