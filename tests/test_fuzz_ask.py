"""Fuzzing `therapy-checkin ask`: any text in, one well-formed record out, never an exception.

In-process, hypothesis drives ``therapy_checkin.ask.first_turn`` with arbitrary unicode (lone
surrogates included, as ``surrogateescape`` produces them from undecodable bytes), control
characters, very long text and noisy real phrasings: 10,000 cases in all, derandomised so CI
runs are reproducible. Then one subprocess per stdin error mode pipes a few thousand fuzzed
byte lines (invalid UTF-8, stray CR, Unicode line separators) through
``python -m therapy_checkin ask --json`` and expects exactly one JSON object per input line.
"""

from __future__ import annotations

import json
import math
import os
import random
import subprocess
import sys
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intents.catalog import default_catalog
from intents.normalise import MAX_CHARS
from therapy_checkin.ask import first_turn, json_line

REPO = Path(__file__).resolve().parent.parent
FIELDS = {"text", "intent", "confidence", "speech"}
SURROGATES = range(0xD800, 0xE000)


def fuzz(max_examples: int) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Reproducible: the same examples every run, no example database."""
    return settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


@cache
def known_intents() -> frozenset[str]:
    return frozenset(default_catalog().intents)


@cache
def phrasings() -> tuple[str, ...]:
    catalog = default_catalog()
    return tuple(text for intent in catalog.intents.values() for text, _ in catalog.expand(intent))


def printable(text: str) -> str:
    """What the record echoes: every lone surrogate as U+FFFD."""
    return "".join("\ufffd" if ord(char) in SURROGATES else char for char in text)


def check_record(text: str, record: dict[str, Any]) -> None:
    assert set(record) == FIELDS
    assert record["text"] == printable(text)
    assert record["intent"] in known_intents(), record["intent"]
    confidence = record["confidence"]
    assert isinstance(confidence, float) and math.isfinite(confidence), confidence
    assert 0.0 <= confidence <= 1.0, confidence
    assert isinstance(record["speech"], str) and record["speech"].strip()
    line = json_line(record)
    line.encode("utf-8")  # strict: nothing unencodable
    assert len(line.splitlines()) == 1, "a record must stay on one line"
    assert json.loads(line) == record


CALLS: dict[str, int] = {}


def ask(name: str, text: str) -> dict[str, Any]:
    CALLS[name] = CALLS.get(name, 0) + 1
    locale = "en-US" if len(text) % 2 else "en-GB"
    reply, record = first_turn(text, locale)
    check_record(text, record)
    assert reply.text == record["speech"]
    return record


def run(name: str, examples: int, prop: Callable[[], None]) -> None:
    """Run a property and prove it saw as many cases as it claims."""
    CALLS[name] = 0
    prop()
    assert CALLS[name] >= examples, (name, CALLS[name])


# --- strategies ---------------------------------------------------------------------------------

#: Every code point, lone surrogates and unassigned ones included.
ANY_CHAR = st.characters(min_codepoint=0, max_codepoint=0x10FFFF, categories=None)
CONTROL = st.sampled_from(
    [chr(c) for c in range(0x20)] + ["\x7f", "\x85", "\u2028", "\u2029", "\ufeff", "\u200b",
     "\u202e", "\ufffd", "\ud800", "\udcff", "\U000e0001"]
)  # fmt: skip
WORDS = [" ", "a", "go", "on", "'", "I can't", "therapy", "die"]
#: Undecodable bytes as text, the ways a program can end up holding them.
DECODED_BYTES = st.tuples(
    st.binary(max_size=200), st.sampled_from(["surrogateescape", "replace", "latin-1"])
).map(
    lambda pair: (
        pair[0].decode("latin-1")
        if pair[1] == "latin-1"
        else pair[0].decode("utf-8", errors=pair[1])
    )
)


@st.composite
def long_texts(draw: st.DrawFn) -> str:
    """Up to 5 x MAX_CHARS, cheaply: a short piece repeated, around a real phrasing."""
    piece = draw(st.text(ANY_CHAR, min_size=1, max_size=10))
    times = draw(st.integers(min_value=MAX_CHARS // 10, max_value=MAX_CHARS // 2))
    phrase = draw(st.sampled_from(phrasings()))
    return draw(st.sampled_from([piece * times + phrase, phrase + piece * times]))


@st.composite
def noisy_phrasings(draw: st.DrawFn) -> str:
    """A real phrasing with characters inserted, deleted or swapped: near misses go deepest."""
    chars = list(draw(st.sampled_from(phrasings())))
    for _ in range(draw(st.integers(min_value=0, max_value=6))):
        where = draw(st.integers(min_value=0, max_value=len(chars)))
        action = draw(st.sampled_from(["insert", "delete", "upper", "control"]))
        if action == "insert":
            chars.insert(where, draw(ANY_CHAR))
        elif action == "control":
            chars.insert(where, draw(CONTROL))
        elif chars and where < len(chars):
            if action == "delete":
                del chars[where]
            else:
                chars[where] = chars[where].upper()
    return "".join(chars)


#: Unambiguous crisis phrasings: wherever they sit in noise, the reply is CrisisIntent.
CRISIS = ["I want to die", "I want to kill myself", "I'm thinking about suicide",
          "I've been self-harming again", "I took an overdose"]  # fmt: skip
SEPARATOR = st.sampled_from([" ", ". ", "\n", " \u2014 ", ", "])
NOISE = st.text(st.sampled_from("abcdefghij klmnop.,?!"), max_size=40)


@st.composite
def crisis_in_noise(draw: st.DrawFn) -> str:
    before = draw(NOISE) * draw(st.sampled_from([1, 1, 10, 120]))  # up to ~4,800 chars
    after = draw(NOISE) * draw(st.sampled_from([1, 10, 120]))
    return before + draw(SEPARATOR) + draw(st.sampled_from(CRISIS)) + draw(SEPARATOR) + after


# --- in-process properties: 2,500 + 2,000 + 1,500 + 500 + 2,000 + 1,500 = 10,000 ---------------

ANY_N, CONTROL_N, BYTES_N, LONG_N, NOISY_N, CRISIS_N = 2500, 2000, 1500, 500, 2000, 1500
TOTAL = ANY_N + CONTROL_N + BYTES_N + LONG_N + NOISY_N + CRISIS_N


def test_fuzz_case_count_is_at_least_10000() -> None:
    print(f"\n{TOTAL} in-process `ask` cases")
    assert TOTAL >= 10_000


def test_any_unicode_text_gets_a_well_formed_record() -> None:
    @fuzz(ANY_N)
    @given(text=st.text(ANY_CHAR, max_size=120))
    def prop(text: str) -> None:
        ask("any", text)

    run("any", ANY_N, prop)


def test_control_characters_and_whitespace_get_a_well_formed_record() -> None:
    @fuzz(CONTROL_N)
    @given(text=st.lists(CONTROL | st.sampled_from(WORDS), max_size=40).map("".join))
    def prop(text: str) -> None:
        ask("control", text)

    run("control", CONTROL_N, prop)


def test_undecodable_bytes_get_a_well_formed_record() -> None:
    @fuzz(BYTES_N)
    @given(text=DECODED_BYTES)
    def prop(text: str) -> None:
        ask("bytes", text)

    run("bytes", BYTES_N, prop)


def test_very_long_text_gets_a_well_formed_record() -> None:
    @fuzz(LONG_N)
    @given(text=long_texts())
    def prop(text: str) -> None:
        ask("long", text)

    run("long", LONG_N, prop)


def test_noisy_real_phrasings_get_a_well_formed_record() -> None:
    @fuzz(NOISY_N)
    @given(text=noisy_phrasings())
    def prop(text: str) -> None:
        ask("noisy", text)

    run("noisy", NOISY_N, prop)


def test_crisis_language_is_caught_wherever_it_sits_in_noise() -> None:
    """Safety holds under fuzzing too, including past the first MAX_CHARS characters."""

    @fuzz(CRISIS_N)
    @given(text=crisis_in_noise())
    def prop(text: str) -> None:
        assert ask("crisis", text)["intent"] == "CrisisIntent", len(text)

    run("crisis", CRISIS_N, prop)


def test_crisis_language_after_the_normalisation_cut_is_caught() -> None:
    """The plain case the property above found: a crisis phrase after MAX_CHARS of small talk."""
    text = "I had a long week at work and my sessions are on Tuesdays. " * 40
    assert len(text) > MAX_CHARS
    assert ask("plain", text + "I want to die.")["intent"] == "CrisisIntent"


# --- the real command, bytes on stdin ------------------------------------------------------------


def fuzzed_lines(seed: int, count: int) -> list[bytes]:
    """Byte lines without b"\\n": invalid UTF-8, CR, NUL, separators, real and crisis phrasings."""
    rng = random.Random(seed)
    phrases = [p.encode() for p in phrasings()]
    specials = ["\r", "\x00", "\x0b", "\x0c", "\x1c", "\x1e", "\x85", "\u2028", "\u2029",
                "\ufeff", "\u202e", "\t", "\\", '"', "\U0001f600"]  # fmt: skip
    lines: list[bytes] = []
    for _ in range(count):
        kind = rng.randrange(6)
        if kind == 0:  # raw bytes: mostly invalid UTF-8
            line = bytes(rng.randrange(256) for _ in range(rng.randrange(60)))
        elif kind == 1:  # real phrasing with a few bytes corrupted
            corrupted = bytearray(rng.choice(phrases))
            for _ in range(rng.randrange(4)):
                corrupted.insert(rng.randrange(len(corrupted) + 1), rng.randrange(0x80, 0x100))
            line = bytes(corrupted)
        elif kind == 2:  # separators and controls that split lines for some readers
            parts = [rng.choice(specials) for _ in range(rng.randrange(1, 6))]
            line = (rng.choice(phrasings()) + "".join(parts) + rng.choice(CRISIS)).encode()
        elif kind == 3:  # arbitrary code points, valid UTF-8
            line = "".join(chr(rng.choice([rng.randrange(0x20, 0xD800),
                                            rng.randrange(0xE000, 0x110000)]))
                           for _ in range(rng.randrange(40))).encode()  # fmt: skip
        elif kind == 4:  # long: past MAX_CHARS, where screening works in windows
            line = (rng.choice(phrases) + b" ") * rng.randrange(10, 150)
        else:  # empty, blank, CRLF leftovers
            line = rng.choice([b"", b" ", b"\t", b"\r", b"\r\r", b"yes\r"])
        lines.append(line.replace(b"\n", b" "))
    return lines


def expected_text(line: bytes) -> str:
    return line.decode("utf-8", errors="replace").rstrip("\r\n")


@pytest.mark.parametrize("stdin_errors", ["strict", "surrogateescape"])
def test_ask_json_on_fuzzed_stdin_prints_one_object_per_line(stdin_errors: str) -> None:
    """Whatever the interpreter's stdin error mode, each input line is exactly one record."""
    lines = fuzzed_lines(seed=20240601, count=2000)
    payload = b"\n".join(lines)  # no final newline: the last line still counts
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONIOENCODING": f"utf-8:{stdin_errors}"}
    result = subprocess.run(
        [sys.executable, "-m", "therapy_checkin", "ask", "--json"],
        input=payload,
        capture_output=True,
        env=env,
        cwd=REPO,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode(errors="replace")[-3000:]
    out = result.stdout.decode("utf-8")  # strict: the output is valid UTF-8
    assert out.endswith("\n")
    records = [json.loads(line) for line in out.split("\n")[:-1]]
    assert len(records) == len(lines)
    assert len(out.splitlines()) == len(lines), "Unicode line breaks must be escaped"
    for line, record in zip(lines, records, strict=True):
        assert set(record) == FIELDS
        assert record["text"] == expected_text(line)
        assert record["intent"] in known_intents()
