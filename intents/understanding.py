"""Language understanding for text that reaches the core without Alexa's own understanding.

Trained from the same catalog that generates the Alexa models. The method (word and character
n-gram TF-IDF with logistic regression, plus exact matching of short built-in answers) was chosen
by measurement: see docs/language-understanding.md and `python -m intents.benchmark`.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from intents.catalog import CATALOG_FILE, FLOW_INTENTS, Catalog, default_catalog
from intents.normalise import SYNONYMS_FILE, normalise
from intents.safety import crisis_language

#: Below this top probability an utterance is out of domain (see docs/language-understanding.md).
REJECT_BELOW = 0.25
#: The classifier's crisis probability above which text counts as crisis even with no pattern
#: matched: a second net for phrasings the patterns miss. Below CRISIS_MIN_WORDS words the
#: classifier is easily swayed ("I'm Sam" resembles "I'm done"), so it must be surer.
CRISIS_ABOVE = 0.40
CRISIS_MIN_WORDS = 4
CRISIS_SHORT_ABOVE = 0.80
MODEL_VERSION = "1"
CACHE_ENV = "THERAPY_CHECKIN_CACHE_DIR"


@dataclass(frozen=True)
class Recognition:
    """What the user meant."""

    intent: str
    """Intent name; FallbackIntent when out of domain or unsure."""

    slots: Mapping[str, str] = field(default_factory=dict)
    """Slot name -> canonical value."""

    confidence: float = 0.0
    """Between 0 and 1."""


def training_data(catalog: Catalog) -> tuple[list[str], list[str]]:
    texts, labels = [], []
    for intent in catalog.intents.values():
        if catalog.free_speech(intent):
            continue
        for text, _ in catalog.expand(intent):
            texts.append(normalise(text))
            labels.append(intent.name)
    return texts, labels


def train(catalog: Catalog) -> Any:
    """Fit the classifier; imported lazily so that commands which never understand stay fast."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline, make_union

    features = make_union(
        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
    )
    model = make_pipeline(features, LogisticRegression(C=20, max_iter=3000))
    texts, labels = training_data(catalog)
    model.fit(texts, labels)
    return model


def _cache_path() -> Path:
    import platformdirs
    import sklearn

    digest = hashlib.sha256()
    for path in (CATALOG_FILE, SYNONYMS_FILE, Path(__file__)):
        digest.update(path.read_bytes())
    digest.update(f"{MODEL_VERSION}:{sklearn.__version__}".encode())
    root = Path(os.environ.get(CACHE_ENV) or platformdirs.user_cache_dir("therapy-checkin"))
    return root / f"understanding-{digest.hexdigest()[:16]}.pickle"


def load_model(catalog: Catalog) -> Any:
    """The fitted model, from a cache keyed by the catalog's content (it is our own file)."""
    path = _cache_path()
    try:
        with path.open("rb") as handle:
            return pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        pass
    model = train(catalog)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(pickle.dumps(model))
        tmp.replace(path)
    except OSError:
        pass  # a read-only home only costs retraining next time
    return model


class Understanding:
    """Maps text to an intent, its slots and a confidence."""

    def __init__(self, catalog: Catalog, model: Any) -> None:
        self.catalog = catalog
        self.model = model
        self.classes: list[str] = [str(name) for name in model.classes_]
        self.exact_phrases = {
            normalise(text): (intent.name, slots)
            for intent in catalog.intents.values()
            if intent.builtin or intent.name in FLOW_INTENTS
            for text, slots in catalog.expand(intent)
        }
        self.slot_patterns = self._slot_patterns()

    def _slot_patterns(self) -> dict[str, list[tuple[re.Pattern[str], str]]]:
        patterns: dict[str, list[tuple[re.Pattern[str], str]]] = {}
        for name, slot_type in self.catalog.slot_types.items():
            pairs = [
                (normalise(s), value) for value, syns in slot_type.values.items() for s in syns
            ]
            pairs.sort(key=lambda pair: -len(pair[0]))
            patterns[name] = [(re.compile(rf"\b{re.escape(s)}\b"), v) for s, v in pairs if s]
        return patterns

    def slots(self, intent: str, text: str) -> dict[str, str]:
        found = {}
        for slot, type_name in self.catalog.intents[intent].slots.items():
            for pattern, value in self.slot_patterns.get(type_name, []):
                if pattern.search(text):
                    found[slot] = value
                    break
        return found

    def recognise(self, text: str) -> Recognition:
        if crisis_language(text):
            return Recognition("CrisisIntent", {}, 1.0)
        folded = normalise(text)
        if not folded:
            return Recognition("FallbackIntent", {}, 0.0)
        if folded in self.exact_phrases:  # short commands: "next", "slower", "save it"
            intent, slots = self.exact_phrases[folded]
            return Recognition(intent, slots, 1.0)
        probabilities = self.model.predict_proba([folded])[0]
        best = int(probabilities.argmax())
        intent, confidence = self.classes[best], float(probabilities[best])
        crisis = float(probabilities[self.classes.index("CrisisIntent")])
        short = len(folded.split()) < CRISIS_MIN_WORDS
        likeliest = intent == "CrisisIntent" and not short
        if likeliest or crisis >= (CRISIS_SHORT_ABOVE if short else CRISIS_ABOVE):
            return Recognition("CrisisIntent", {}, crisis)
        if intent in ("FallbackIntent", "CrisisIntent") or confidence < REJECT_BELOW:
            return Recognition("FallbackIntent", {}, confidence)
        return Recognition(intent, self.slots(intent, folded), confidence)


@lru_cache(maxsize=1)
def default_understanding() -> Understanding:
    catalog = default_catalog()
    return Understanding(catalog, load_model(catalog))


def understand(text: str, state: Mapping[str, Any] | None = None) -> Recognition:
    """Understand one utterance; state is accepted so context can refine short answers."""
    return default_understanding().recognise(text)
