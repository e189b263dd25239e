"""Folding text to one canonical form so typed words, transcripts and phrasings compare alike."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from intents.datafile import DATA_DIR, Fields, load_yaml

SYNONYMS_FILE = DATA_DIR / "synonyms.yaml"
MAX_CHARS = 2000  # longer input is cut: nobody says more in one turn, and work stays bounded

# Contractions with and without the apostrophe, as recognisers and hurried typists write them.
_CONTRACTIONS = {
    "can't": "can not",
    "cant": "can not",
    "cannot": "can not",
    "won't": "will not",
    "wont": "will not",
    "don't": "do not",
    "dont": "do not",
    "doesn't": "does not",
    "doesnt": "does not",
    "didn't": "did not",
    "didnt": "did not",
    "isn't": "is not",
    "isnt": "is not",
    "aren't": "are not",
    "arent": "are not",
    "wasn't": "was not",
    "wasnt": "was not",
    "weren't": "were not",
    "haven't": "have not",
    "havent": "have not",
    "hasn't": "has not",
    "hasnt": "has not",
    "couldn't": "could not",
    "couldnt": "could not",
    "shouldn't": "should not",
    "shouldnt": "should not",
    "wouldn't": "would not",
    "wouldnt": "would not",
    "ain't": "is not",
    "i'm": "i am",
    "im": "i am",
    "i've": "i have",
    "ive": "i have",
    "i'd": "i would",
    "i'll": "i will",
    "it's": "it is",
    "that's": "that is",
    "thats": "that is",
    "what's": "what is",
    "whats": "what is",
    "there's": "there is",
    "theres": "there is",
    "you're": "you are",
    "youre": "you are",
    "they're": "they are",
    "we're": "we are",
    "let's": "let us",
    "gonna": "going to",
    "wanna": "want to",
    "gotta": "got to",
    "nothing's": "nothing is",
    "everything's": "everything is",
    "she's": "she is",
    "he's": "he is",
    "how's": "how is",
    "who's": "who is",
}
_FILLERS = {"um", "umm", "uh", "uhh", "erm", "er", "hmm", "mm", "ah", "uhm"}
_WORD = re.compile(r"[a-z0-9']+")


@lru_cache(maxsize=1)
def _synonyms() -> list[tuple[re.Pattern[str], str]]:
    fields = Fields(SYNONYMS_FILE, load_yaml(SYNONYMS_FILE))
    rules = []
    for canonical in fields.names():
        for variant in fields.texts(canonical):
            words = " ".join(_WORD.findall(variant.lower()))
            rules.append((len(words), re.compile(rf"\b{re.escape(words)}\b"), canonical))
    rules.sort(key=lambda rule: -rule[0])  # longest variants first: "wellbeing practitioner"
    return [(pattern, canonical) for _, pattern, canonical in rules]


def words(text: str) -> list[str]:
    """Lower-case words with contractions expanded and fillers dropped."""
    text = unicodedata.normalize("NFKC", text[:MAX_CHARS]).lower()
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    out: list[str] = []
    for token in _WORD.findall(text):
        if token in _FILLERS:
            continue
        expanded = _CONTRACTIONS.get(token) or _CONTRACTIONS.get(token.replace("'", ""))
        out.extend((expanded or token.replace("'", "")).split())
    return out


def normalise(text: str) -> str:
    """Canonical text: words() joined, then synonyms folded (counsellor -> therapist)."""
    folded = " ".join(words(text))
    for pattern, canonical in _synonyms():
        folded = pattern.sub(canonical, folded)
    return folded
