"""Pronunciations for catalog words missing from the bundled US dictionary.

The catalog is written in British English with acronyms (CBT, NHS, GP); cmudict knows the
American spelling and no acronyms. Each missing word gets the phones of a spelling variant,
its letters, or its stem plus suffix; words none of these cover are left out of the model.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path

from pocketsphinx import get_model_path

DICTIONARY = Path(get_model_path()) / "en-us" / "cmudict-en-us.dict"

_LETTERS = {
    "a": "EY", "b": "B IY", "c": "S IY", "d": "D IY", "e": "IY", "f": "EH F", "g": "JH IY",
    "h": "EY CH", "i": "AY", "j": "JH EY", "k": "K EY", "l": "EH L", "m": "EH M", "n": "EH N",
    "o": "OW", "p": "P IY", "q": "K Y UW", "r": "AA R", "s": "EH S", "t": "T IY", "u": "Y UW",
    "v": "V IY", "w": "D AH B AH L Y UW", "x": "EH K S", "y": "W AY", "z": "Z IY",
}  # fmt: skip
_BRITISH = (("our", "or"), ("ise", "ize"), ("ising", "izing"), ("ised", "ized"),
            ("ise", "ice"), ("ising", "icing"), ("lling", "ling"), ("lled", "led"),
            ("tre", "ter"), ("ogue", "og"))  # fmt: skip
#: espeak-ng's IPA (en-us) to the dictionary's ARPAbet; longest match first.
_IPA = {
    "aɪ": "AY", "aʊ": "AW", "eɪ": "EY", "oʊ": "OW", "ɔɪ": "OY", "tʃ": "CH", "dʒ": "JH",  # noqa: RUF001
    "ɑ": "AA", "ɒ": "AA", "æ": "AE", "ʌ": "AH", "ə": "AH", "ɐ": "AH", "ɚ": "ER", "ɜ": "ER",  # noqa: RUF001
    "ɛ": "EH", "e": "EH", "ɪ": "IH", "ᵻ": "IH", "i": "IY", "ɔ": "AO", "ʊ": "UH", "u": "UW",  # noqa: RUF001
    "o": "OW", "a": "AE", "p": "P", "b": "B", "t": "T", "d": "D", "k": "K", "ɡ": "G",  # noqa: RUF001
    "g": "G", "f": "F", "v": "V", "θ": "TH", "ð": "DH", "s": "S", "z": "Z", "ʃ": "SH",
    "ʒ": "ZH", "h": "HH", "m": "M", "n": "N", "ŋ": "NG", "l": "L", "ɹ": "R", "r": "R",
    "w": "W", "j": "Y", "ɾ": "T", "x": "K",
}  # fmt: skip
_IPA_IGNORED = set("ˈˌːˑ\u200d\u0361\u035c\u0329ʔ-_ ")  # noqa: RUF001
_SUFFIXES = (("ed", ("D", "T", "IH D")), ("s", ("Z", "S")), ("ing", ("IH NG",)),
             ("er", ("ER",)), ("ly", ("L IY",)))  # fmt: skip
_PREFIXES = ("un", "re", "non", "over", "under")
_VOWELS = set("aeiouy")


@lru_cache(maxsize=1)
def dictionary() -> dict[str, str]:
    """Word -> first pronunciation from the dictionary pocketsphinx ships."""
    entries: dict[str, str] = {}
    with DICTIONARY.open(encoding="utf-8") as handle:
        for line in handle:
            word, _, phones = line.strip().partition(" ")
            if "(" not in word and word not in entries:
                entries[word] = phones.strip()
    return entries


def _british_variant(word: str, known: Mapping[str, str]) -> str | None:
    for british, american in _BRITISH:
        if british in word:
            candidate = word.replace(british, american)
            if candidate in known:
                return known[candidate]
    return None


def _affixed(word: str, known: Mapping[str, str]) -> str | None:
    for suffix, endings in _SUFFIXES:
        stem = word[: -len(suffix)]
        if word.endswith(suffix) and stem in known:
            last = known[stem].split()[-1]
            ending = endings[-1 if suffix == "ed" and last in ("T", "D") else 0]
            return f"{known[stem]} {ending}"
    for prefix in _PREFIXES:
        rest = word[len(prefix) :]
        if word.startswith(prefix) and rest in known and prefix in known:
            return f"{known[prefix]} {known[rest]}"
    return None


def _spelled(word: str) -> str | None:
    """Acronyms: short words with few vowels are said letter by letter (CBT, NHS, PWP)."""
    vowels = sum(ch in _VOWELS for ch in word)
    if word.isalpha() and len(word) <= 4 and vowels <= 1:
        return " ".join(_LETTERS[ch] for ch in word)
    return None


def ipa_to_arpabet(ipa: str) -> str | None:
    """Convert espeak-ng IPA to ARPAbet phones; None if a symbol is unknown."""
    chars = [ch for ch in ipa if ch not in _IPA_IGNORED]
    phones: list[str] = []
    i = 0
    while i < len(chars):
        pair = "".join(chars[i : i + 2])
        phone = _IPA.get(pair) or _IPA.get(chars[i])
        if phone is None:
            return None
        i += 2 if pair in _IPA else 1
        if not phones or phones[-1] != phone:  # "bb" in flibbertigibbet is one B
            phones.append(phone)
    return " ".join(phones) or None


def _espeak(word: str) -> str | None:
    """Last resort: ask espeak-ng (installed for speech output) how the word sounds."""
    binary = shutil.which("espeak-ng") or shutil.which("espeak")
    if binary is None or not word.isalpha():
        return None
    try:
        result = subprocess.run(
            [binary, "-q", "--ipa", "-v", "en-us", word],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return ipa_to_arpabet(result.stdout.strip())


def guess(word: str, known: Mapping[str, str] | None = None) -> str | None:
    """Phones for a word the dictionary lacks, or None when no rule covers it."""
    known = dictionary() if known is None else known
    return _british_variant(word, known) or _spelled(word) or _affixed(word, known) or _espeak(word)


def missing_pronunciations(words: Iterable[str]) -> tuple[dict[str, str], list[str]]:
    """Split unknown words into (word -> guessed phones) and words to leave out."""
    known = dictionary()
    added: dict[str, str] = {}
    dropped: list[str] = []
    for word in sorted(set(words)):
        if word in known:
            continue
        phones = guess(word, known)
        if phones:
            added[word] = phones
        else:
            dropped.append(word)
    return added, dropped
