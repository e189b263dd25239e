"""The catalog's phrasings as recogniser word sequences: the one source of domain biasing."""

from __future__ import annotations

from functools import lru_cache

from intents.catalog import default_catalog
from local_voice.language_model import normalise


@lru_cache(maxsize=1)
def catalog_sentences() -> tuple[tuple[str, ...], ...]:
    """Every catalog sample with its slots filled, normalised; duplicates removed, order kept."""
    catalog = default_catalog()
    seen: dict[tuple[str, ...], None] = {}
    for intent in catalog.intents.values():
        for text, _slots in catalog.expand(intent):
            words = tuple(normalise(text))
            if words:
                seen.setdefault(words, None)
    return tuple(seen)
