"""Domain biasing built from the catalog: an ARPA trigram for pocketsphinx, a phrase list for Vosk.

The trigram is interpolated Kneser-Ney over the expanded catalog sentences, with a general
English word list mixed into the unigrams, so speech outside the catalog comes out as ordinary
words (and then FallbackIntent) instead of being forced into the nearest catalog sentence.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

BOS, EOS = "<s>", "</s>"

_ONES = (
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
)
_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)*")


def number_words(number: int) -> str:
    """Spell 0-999 the way people say it; longer digit strings are read digit by digit."""
    if number < 20:
        return _ONES[number]
    if number < 100:
        tens, ones = divmod(number, 10)
        return _TENS[tens] + ("" if ones == 0 else " " + _ONES[ones])
    hundreds, rest = divmod(number, 100)
    return _ONES[hundreds] + " hundred" + ("" if rest == 0 else " and " + number_words(rest))


def normalise(text: str) -> list[str]:
    """Words as a recogniser writes them: lower case, no punctuation, numbers spelled out."""
    text = text.lower().replace("\u2019", "'").replace("&", " and ")
    words: list[str] = []
    for token in _WORD.findall(text):
        if token.isdigit():
            words.extend(
                number_words(int(token)).split()
                if len(token) <= 3
                else [_ONES[int(d)] for d in token]
            )
        else:
            words.append(token)
    return words


@dataclass(frozen=True)
class TrigramModel:
    """Log10 probabilities and back-off weights, ready to write as ARPA."""

    unigrams: dict[str, tuple[float, float]]
    bigrams: dict[tuple[str, ...], tuple[float, float]]
    trigrams: dict[tuple[str, ...], float]

    def arpa(self) -> str:
        lines = ["\\data\\", f"ngram 1={len(self.unigrams)}", f"ngram 2={len(self.bigrams)}"]
        lines += [f"ngram 3={len(self.trigrams)}", "", "\\1-grams:"]
        lines += [f"{p:.4f} {w} {b:.4f}" for w, (p, b) in sorted(self.unigrams.items())]
        lines += ["", "\\2-grams:"]
        lines += [f"{p:.4f} {' '.join(k)} {b:.4f}" for k, (p, b) in sorted(self.bigrams.items())]
        lines += ["", "\\3-grams:"]
        lines += [f"{p:.4f} {' '.join(k)}" for k, p in sorted(self.trigrams.items())]
        return "\n".join([*lines, "", "\\end\\", ""])


def _discount(counts: Iterable[int]) -> float:
    """Kneser-Ney discount from counts of counts, kept in a sane range for tiny corpora."""
    histogram = Counter(counts)
    n1, n2 = histogram.get(1, 0), histogram.get(2, 0)
    return min(0.9, max(0.3, n1 / (n1 + 2 * n2))) if n1 + n2 else 0.5


def _log10(p: float) -> float:
    return math.log10(p) if p > 0 else -99.0


def _unigrams(
    continuation: Counter[str], general: Mapping[str, float], general_weight: float
) -> dict[str, float]:
    total = sum(continuation.values())
    domain = {w: c / total for w, c in continuation.items()}
    gen_total = sum(general.values())
    weight = general_weight if gen_total > 0 else 0.0
    vocab = set(domain) | set(general)
    return {
        w: (1 - weight) * domain.get(w, 0.0)
        + (weight * general.get(w, 0.0) / gen_total if weight else 0.0)
        for w in vocab
    }


class _Level:
    """Counts for one context order, turned into interpolated probabilities."""

    def __init__(self, counts: Mapping[tuple[str, ...], int]) -> None:
        self.counts = counts
        self.discount = _discount(counts.values())
        self.totals: dict[tuple[str, ...], int] = defaultdict(int)
        self.types: dict[tuple[str, ...], int] = defaultdict(int)
        for gram, count in counts.items():
            self.totals[gram[:-1]] += count
            self.types[gram[:-1]] += 1

    def gamma(self, context: tuple[str, ...]) -> float:
        """Mass left for the lower order: the ARPA back-off weight of this context."""
        total = self.totals.get(context)
        return self.discount * self.types[context] / total if total else 1.0

    def prob(self, gram: tuple[str, ...], lower: float) -> float:
        context = gram[:-1]
        total = self.totals[context]
        return max(self.counts[gram] - self.discount, 0) / total + self.gamma(context) * lower


def build_trigram(
    sentences: Iterable[Sequence[str]],
    general: Mapping[str, float] | None = None,
    general_weight: float = 0.1,
) -> TrigramModel:
    """Interpolated Kneser-Ney trigram; general words share general_weight of unigram mass."""
    tri: Counter[tuple[str, ...]] = Counter()
    big: Counter[tuple[str, ...]] = Counter()
    for words in sentences:
        if not words:
            continue
        padded = [BOS, *words, EOS]
        big.update(itertools.pairwise(padded))
        tri.update(zip(padded, padded[1:], padded[2:], strict=False))
    if not big:
        raise ValueError("no sentences to build a language model from")
    left_contexts: Counter[tuple[str, ...]] = Counter(gram[1:] for gram in tri)
    kn_big = Counter({g: (c if g[0] == BOS else left_contexts[g]) for g, c in big.items()})
    uni = _unigrams(Counter(g[1] for g in big), general or {}, general_weight)
    bigram_level, trigram_level = _Level(kn_big), _Level(tri)

    def p2(v: str, w: str) -> float:
        if (v, w) in kn_big:
            return bigram_level.prob((v, w), uni[w])
        return bigram_level.gamma((v,)) * uni[w]

    unigrams = {w: (_log10(p), _log10(bigram_level.gamma((w,)))) for w, p in uni.items()}
    unigrams[BOS] = (-99.0, _log10(bigram_level.gamma((BOS,))))
    bigrams: dict[tuple[str, ...], tuple[float, float]] = {
        (v, w): (_log10(p2(v, w)), _log10(trigram_level.gamma((v, w)))) for v, w in kn_big
    }
    trigrams = {g: _log10(trigram_level.prob(g, p2(g[1], g[2]))) for g in tri}
    return TrigramModel(unigrams, bigrams, trigrams)


def vosk_phrases(sentences: Iterable[Sequence[str]]) -> str:
    """Vosk grammar JSON: each distinct sentence, plus "[unk]" for speech outside them."""
    phrases = sorted({" ".join(words) for words in sentences if words})
    return json.dumps([*phrases, "[unk]"])


def jsgf_grammar(sentences: Iterable[Sequence[str]]) -> str:
    """A strict JSGF alternative (one rule, every sentence), kept for the method comparison."""
    phrases = sorted({" ".join(words) for words in sentences if words})
    body = "\n    | ".join(phrases)
    return f"#JSGF V1.0;\ngrammar catalog;\npublic <sentence> = {body} ;\n"
