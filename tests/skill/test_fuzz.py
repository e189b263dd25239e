"""Fuzzing the Alexa endpoint in-process: whatever the body, never a 5xx and always JSON.

The Flask app runs with verification off (what is fuzzed is everything after it: parsing, the
envelope checks, ask-sdk's deserializer, the handlers, the core, rendering) and with TESTING on,
so an unhandled exception fails the test with its traceback instead of becoming a quiet 500.
Property tests, derandomised so CI runs are reproducible, add up to 10,000 cases:

- envelopes of the right shape holding random and extreme values, dialog state included,
- the same, with every string field drawn from all of unicode (lone surrogates included),
- real envelopes cut short at any byte,
- nesting up to 100,000 deep, inside and outside an envelope,
- huge strings, up to past the size limit,
- a real envelope with one field given a value of every other JSON type,
- arbitrary JSON and arbitrary bytes.

Every answer must be 200, 400 or 413, with a body that is strict JSON (no NaN or Infinity);
the catch-all exception handler, which hides handler crashes behind a kind apology, must
never fire for the state the skill itself writes.
"""

from __future__ import annotations

import copy
import json
import traceback
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import skill.handlers
from intents.catalog import default_catalog
from skill.app import create_app
from skill.builder import REQUEST_TYPES
from skill.config import DefaultConfig
from skill.envelope import MAX_DEPTH
from tests.skill import envelopes

ENDPOINT = DefaultConfig.ENDPOINT
LIMIT = DefaultConfig.MAX_CONTENT_LENGTH


def fuzz(max_examples: int) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Reproducible: the same examples every run, no example database."""
    return settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
        ],
    )


@cache
def client() -> FlaskClient:
    app = create_app({"VERIFY": False, "SKILL_ID": None, "TESTING": True})
    return app.test_client()


def _no_constants(name: str) -> Any:
    raise AssertionError(f"response holds {name}, which is not JSON")


#: What each property saw: answers by status, and catch-all handler calls.
SEEN: dict[str, dict[str, int]] = {}


@pytest.fixture(autouse=True)
def caught(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Exceptions the catch-all handler turned into an apology, by type."""
    failures: list[str] = []
    real = skill.handlers.CatchAllExceptionHandler.handle

    def spy(self: Any, handler_input: Any, exception: Exception) -> Any:
        frame = traceback.extract_tb(exception.__traceback__)[-1]
        where = f"{Path(frame.filename).name}:{frame.lineno}"
        failures.append(f"{type(exception).__name__} at {where}: {exception}"[:200])
        return real(self, handler_input, exception)

    monkeypatch.setattr(skill.handlers.CatchAllExceptionHandler, "handle", spy)
    yield failures


def post(name: str, body: bytes) -> int:
    """Send one body; check the answer is a 200/400/413 with a strict-JSON body."""
    response = client().post(ENDPOINT, data=body, content_type="application/json")
    status = response.status_code
    counts = SEEN.setdefault(name, {})
    counts[str(status)] = counts.get(str(status), 0) + 1
    assert status < 500, (status, body[:300])
    assert status in (200, 400, 413), status
    assert response.is_json
    answer = json.loads(response.get_data(), parse_constant=_no_constants)
    assert isinstance(answer, dict)
    if status == 200:
        assert answer["version"] and isinstance(answer["response"], dict)
        assert isinstance(answer.get("sessionAttributes", {}), dict)
    else:
        assert answer["error"]
    return status


def run(name: str, examples: int, prop: Callable[[], None]) -> None:
    """Run a property and prove it sent as many bodies as it claims."""
    SEEN[name] = {}
    prop()
    sent = sum(SEEN[name].values())
    print(f"\n{name}: {sent} bodies, by status {SEEN[name]}")
    assert sent >= examples, (name, sent)


def dumps(value: Any) -> bytes:
    """json.dumps as a client might: NaN and Infinity included when the value has them."""
    return json.dumps(value).encode()


# --- values ---------------------------------------------------------------------------------------

ANY_CHAR = st.characters(min_codepoint=0, max_codepoint=0x10FFFF, categories=None)
EXTREME_INTS = st.sampled_from([0, -1, 1, 2**31, -(2**63), 2**64, 10**30, -(10**300)])
EXTREME_FLOATS = st.sampled_from([0.0, -0.0, 1e-320, 1.5, 1e308, -1e308, float("inf"),
                                  float("-inf"), float("nan")])  # fmt: skip
ODD_TEXT = st.sampled_from(
    ["", " ", "\x00", "\ud800", "\udcff", "\u202e", "\ufeff", "NaN", "Infinity", "1e400",
     "-1", "null", "true", "{}", "[]", "<speak>", "</speak><audio src='x'/>", "&amp;", "]]>",
     "I want to die", "x" * 5000, "\U0001f600" * 300, "é" * 1000]
)  # fmt: skip
TEXT = st.one_of(st.text(max_size=30), ODD_TEXT, st.text(ANY_CHAR, max_size=30))
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), EXTREME_INTS, st.floats(), EXTREME_FLOATS, TEXT
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=15,
)


@cache
def intent_names() -> tuple[str, ...]:
    return tuple(default_catalog().intents)


@cache
def slot_names() -> tuple[str, ...]:
    names = {slot for intent in default_catalog().intents.values() for slot in intent.slots}
    return tuple(sorted(names))


@cache
def slot_values() -> tuple[str, ...]:
    catalog = default_catalog()
    values = {v for kind in catalog.slot_types.values() for v in kind.values}
    synonyms = {
        s for kind in catalog.slot_types.values() for ss in kind.values.values() for s in ss
    }
    return tuple(sorted(values | synonyms))


@cache
def script_names() -> tuple[str, ...]:
    from intents.rehearsal import scripts

    return tuple(scripts())


def maybe(strategy: st.SearchStrategy[Any], odds: int = 3) -> st.SearchStrategy[Any]:
    """Usually (odds to one) a plausible value, sometimes anything at all."""
    return st.sampled_from([False] * odds + [True]).flatmap(
        lambda anything: JSON if anything else strategy
    )


def rarely(strategy: st.SearchStrategy[Any], odd: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A plausible value seven times in eight: fields ask-sdk parses strictly (enums, dates)."""
    return st.sampled_from([False] * 7 + [True]).flatmap(
        lambda odd_one: odd if odd_one else strategy
    )


# --- envelopes of the right shape -----------------------------------------------------------------

SPEECH = st.lists(st.tuples(TEXT, st.integers(-(2**40), 2**40)).map(list), max_size=3)


def state_values(text: st.SearchStrategy[str]) -> st.SearchStrategy[dict[str, Any]]:
    """Session attributes shaped like the skill's own, values drawn from the extremes."""
    number = st.one_of(st.integers(), EXTREME_INTS, EXTREME_FLOATS, st.floats())
    step = maybe(st.one_of(st.integers(-3, 20), EXTREME_INTS))
    script = maybe(st.sampled_from(script_names()) | text)
    entries = {
        "rate": maybe(st.one_of(st.integers(0, 300), number)),
        "misses": maybe(st.integers(-5, 50)),
        "crisis": maybe(st.booleans()),
        "surface": maybe(st.sampled_from(["alexa", "offline"]) | text),
        "offer": maybe(
            st.fixed_dictionaries(
                {},
                optional={
                    "action": maybe(st.sampled_from(["more", "rehearse", "letter", "resume"])),
                    "intent": maybe(st.sampled_from(intent_names()) | text),
                    "script": script,
                },
            )
        ),
        "last": maybe(
            st.fixed_dictionaries(
                {},
                optional={
                    "speech": maybe(SPEECH),
                    "reprompt": maybe(SPEECH),
                    "title": maybe(text),
                    "card": maybe(text),
                    "intent": maybe(st.sampled_from(intent_names()) | text),
                    "rate_factor": maybe(number),
                    "offer": JSON,
                },
            )
        ),
        "rehearsal": maybe(
            st.fixed_dictionaries(
                {},
                optional={
                    "script": script,
                    "step": step,
                    "phase": maybe(st.sampled_from(["attempt", "choosing", "review"]) | text),
                    "attempt": maybe(text),
                },
            )
        ),
        "letter": maybe(
            st.fixed_dictionaries(
                {},
                optional={
                    "stage": maybe(st.sampled_from(["problem", "wish", "therapist", "user"])),
                    "problem": maybe(text),
                    "wish": maybe(text),
                    "returning": maybe(st.booleans()),
                    "text": maybe(text),
                },
            )
        ),
        "progress": maybe(
            st.fixed_dictionaries(
                {},
                optional={"script": script, "step": step, "finished": maybe(st.booleans())},
            )
        ),
    }
    return st.fixed_dictionaries({}, optional=entries)


def slot_dict(text: st.SearchStrategy[str]) -> st.SearchStrategy[dict[str, Any]]:
    name = st.sampled_from(slot_names()) | text
    value = st.one_of(st.none(), st.sampled_from(slot_values()), text)
    resolution = st.fixed_dictionaries(
        {
            "authority": text,
            "status": st.fixed_dictionaries({"code": maybe(st.sampled_from(
                ["ER_SUCCESS_MATCH", "ER_SUCCESS_NO_MATCH", "ER_ERROR_TIMEOUT"]))}),
            "values": st.lists(
                st.fixed_dictionaries({"value": st.fixed_dictionaries(
                    {"name": maybe(text), "id": maybe(st.sampled_from(slot_values()) | text)})}),
                max_size=2,
            ),
        }
    )  # fmt: skip
    slot = st.fixed_dictionaries(
        {"name": text, "confirmationStatus": st.sampled_from(["NONE", "CONFIRMED", "DENIED"])},
        optional={
            "value": value,
            "resolutions": st.fixed_dictionaries(
                {"resolutionsPerAuthority": st.lists(resolution, max_size=2)}
            ),
        },
    )
    return st.dictionaries(name, slot, max_size=3)


TIMESTAMPS = st.one_of(
    st.just("2024-06-01T12:00:00Z"),
    st.datetimes().map(lambda moment: moment.isoformat()),
)
ERROR_TYPES = st.sampled_from(
    ["INVALID_RESPONSE", "DEVICE_COMMUNICATION_ERROR", "INTERNAL_SERVICE_ERROR"]
)
LOCALES = st.one_of(st.sampled_from(["en-GB", "en-US", "de-DE", "en", "EN-gb", "en_GB"]), TEXT)


@st.composite
def shaped_envelopes(draw: st.DrawFn, text: st.SearchStrategy[str] = TEXT) -> dict[str, Any]:
    """The fields check_envelope insists on have the right types; everything else varies."""
    kind = draw(st.sampled_from(REQUEST_TYPES))
    request: dict[str, Any] = {
        "type": kind,
        "requestId": draw(text),
        "timestamp": draw(rarely(TIMESTAMPS, text)),
    }
    if draw(st.booleans()):
        request["locale"] = draw(LOCALES | text)
    if kind == "IntentRequest":
        request["intent"] = {
            "name": draw(st.sampled_from(intent_names()) | text),
            "confirmationStatus": draw(st.sampled_from(["NONE", "CONFIRMED", "DENIED"])),
            "slots": draw(st.none() | slot_dict(text)),
        }
        if draw(st.booleans()):
            request["dialogState"] = draw(rarely(st.sampled_from(["STARTED", "COMPLETED"]), text))
    elif kind == "SessionEndedRequest":
        request["reason"] = draw(rarely(st.sampled_from(envelopes.SESSION_END_REASONS), text))
        if draw(st.booleans()):
            request["error"] = {"type": draw(rarely(ERROR_TYPES, text)), "message": draw(text)}
    elif kind == "System.ExceptionEncountered":
        request["error"] = {"type": draw(rarely(ERROR_TYPES, text)), "message": draw(text)}
        request["cause"] = {"requestId": draw(text)}
    envelope: dict[str, Any] = {"version": draw(st.just("1.0") | text), "request": request}
    if kind in ("LaunchRequest", "IntentRequest") or draw(st.booleans()):
        envelope["session"] = {
            "new": draw(st.booleans()),
            "sessionId": draw(text),
            "application": {"applicationId": draw(text)},
            "attributes": draw(st.none() | state_values(text)),
            "user": {"userId": draw(st.just(envelopes.USER_ID) | text)},
        }
    if draw(st.booleans()):
        envelope["context"] = {
            "System": {
                "application": {"applicationId": draw(text)},
                "user": {"userId": draw(text)},
                "device": {
                    "deviceId": draw(text),
                    "supportedInterfaces": draw(rarely(st.just({}), JSON)),
                },
                "apiEndpoint": draw(text),
            }
        }
    return envelope


# --- other bodies ---------------------------------------------------------------------------------

_STATE = {
    "rate": 90, "misses": 1, "crisis": False,
    "offer": {"action": "more", "intent": "TherapyNotWorkingIntent"},
    "last": {"speech": [["Hello.", 400]], "reprompt": [["Hello?", 400]], "title": "T",
             "card": "C", "intent": "TherapyNotWorkingIntent", "rate_factor": 1.0, "offer": None},
}  # fmt: skip


@cache
def bases() -> tuple[dict[str, Any], ...]:
    return (
        envelopes.launch(),
        envelopes.intent("TherapyNotWorkingIntent"),
        envelopes.intent(
            "DraftLetterIntent", {"format": envelopes.slot("format", "email", resolved_id="email")}
        ),
        envelopes.intent("AMAZON.YesIntent", attributes=_STATE),
        envelopes.intent("AMAZON.RepeatIntent", attributes=_STATE),
        envelopes.session_ended("ERROR", attributes=_STATE),
    )


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every path to a value inside nested dicts and lists."""
    items: Any
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return
    for key, child in items:
        yield (*prefix, key)
        yield from paths(child, (*prefix, key))


def replaced(envelope: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    envelope = copy.deepcopy(envelope)
    *parents, last = path
    target: Any = envelope
    for step in parents:
        target = target[step]
    target[last] = value
    return envelope


@cache
def all_paths() -> tuple[tuple[int, tuple[Any, ...]], ...]:
    return tuple((i, path) for i, base in enumerate(bases()) for path in paths(base))


#: One value of each JSON type, and a few extremes: whatever a field held, another type goes in.
OTHER_TYPES: st.SearchStrategy[Any] = st.sampled_from(
    [None, True, False, 0, -1, 2**70, 1.5, float("nan"), "", "x", [], [1], {}, {"a": 1}, [[]]]
)


@st.composite
def wrong_typed(draw: st.DrawFn) -> bytes:
    index, path = draw(st.sampled_from(all_paths()))
    base = bases()[index]
    target: Any = base
    for step in path:
        target = target[step]
    value = draw(OTHER_TYPES.filter(lambda v: type(v) is not type(target)) | JSON)
    return dumps(replaced(base, path, value))


@st.composite
def truncated(draw: st.DrawFn) -> bytes:
    body = dumps(
        draw(st.sampled_from(bases())) if draw(st.booleans()) else draw(shaped_envelopes())
    )
    return body[: draw(st.integers(min_value=0, max_value=max(len(body) - 1, 0)))]


DEPTHS = st.one_of(
    st.sampled_from([MAX_DEPTH - 4, MAX_DEPTH - 3, MAX_DEPTH, 200, 300, 500, 900, 990, 1000]),
    st.sampled_from([1100, 5000, 10_000, 50_000, 100_000]),
    st.integers(min_value=1, max_value=20_000),
)


@st.composite
def deeply_nested(draw: st.DrawFn) -> tuple[int, bytes]:
    depth = draw(DEPTHS)
    opener, closer = draw(st.sampled_from([("[", "]"), ('{"a":', "}"), ('[{"a":', "}]")]))
    inner = draw(st.sampled_from(["1", "null", '"x"', "[]", ""]))
    closed = draw(st.booleans())
    nested = opener * depth + inner + (closer * depth if closed else "")
    where = draw(st.sampled_from(["bare", "attributes", "slot", "locale", "request"]))
    if where == "bare":
        return depth, nested.encode()
    marker = "__NESTED__"
    base = envelopes.intent(
        "TherapyNotWorkingIntent", {"format": "email"}, attributes={"offer": marker}
    )
    if where == "slot":
        base = replaced(base, ("request", "intent", "slots", "format", "value"), marker)
    elif where == "locale":
        base = replaced(base, ("request", "locale"), marker)
    elif where == "request":
        base = replaced(base, ("request",), marker)
    return depth, json.dumps(base).replace(json.dumps(marker), nested, 1).encode()


@st.composite
def huge_strings(draw: st.DrawFn) -> bytes:
    size = draw(st.sampled_from([10_000, 100_000, 200_000, LIMIT - 2_000, LIMIT, 2 * LIMIT]))
    piece = draw(
        st.text(ANY_CHAR, min_size=1, max_size=4) | st.sampled_from(["a", " ", "I want to die "])
    )
    text = (piece * (size // len(piece) + 1))[:size]
    index, path = draw(st.sampled_from(all_paths()))
    return dumps(replaced(bases()[index], path, text))


RAW = st.one_of(JSON.map(dumps), st.binary(max_size=200), st.text(ANY_CHAR, max_size=200).map(
    lambda text: text.encode("utf-8", errors="surrogatepass")))  # fmt: skip


# --- the properties: 2,500 + 1,000 + 1,000 + 500 + 500 + 3,000 + 1,500 = 10,000 --------------

SHAPED_N, UNICODE_N, TRUNCATED_N, NESTED_N, HUGE_N, TYPES_N, RAW_N = (
    2500, 1000, 1000, 500, 500, 3000, 1500
)  # fmt: skip
TOTAL = SHAPED_N + UNICODE_N + TRUNCATED_N + NESTED_N + HUGE_N + TYPES_N + RAW_N


def test_fuzz_case_count_is_at_least_10000() -> None:
    print(f"\n{TOTAL} fuzzed bodies through the app")
    assert TOTAL >= 10_000


def test_shaped_envelopes_with_extreme_values(caught: list[str]) -> None:
    @fuzz(SHAPED_N)
    @given(envelope=shaped_envelopes())
    def prop(envelope: dict[str, Any]) -> None:
        post("shaped", dumps(envelope))

    run("shaped", SHAPED_N, prop)
    print("catch-all handler:", *sorted(set(caught)), sep="\n  ")


def test_shaped_envelopes_with_any_unicode(caught: list[str]) -> None:
    @fuzz(UNICODE_N)
    @given(envelope=shaped_envelopes(st.text(ANY_CHAR, max_size=40)))
    def prop(envelope: dict[str, Any]) -> None:
        post("unicode", dumps(envelope))

    run("unicode", UNICODE_N, prop)


def test_truncated_json() -> None:
    @fuzz(TRUNCATED_N)
    @given(body=truncated())
    def prop(body: bytes) -> None:
        assert post("truncated", body) == 400

    run("truncated", TRUNCATED_N, prop)


def test_deep_nesting() -> None:
    @fuzz(NESTED_N)
    @given(case=deeply_nested())
    def prop(case: tuple[int, bytes]) -> None:
        depth, body = case
        status = post("nested", body)
        if depth > MAX_DEPTH:  # ask-sdk's deepcopy of deep attributes used to overflow: a 500
            assert status in (400, 413)

    run("nested", NESTED_N, prop)


def test_huge_strings() -> None:
    @fuzz(HUGE_N)
    @given(body=huge_strings())
    def prop(body: bytes) -> None:
        status = post("huge", body)
        if len(body) > LIMIT:
            assert status == 413

    run("huge", HUGE_N, prop)


def test_wrong_type_in_every_field() -> None:
    @fuzz(TYPES_N)
    @given(body=wrong_typed())
    def prop(body: bytes) -> None:
        post("types", body)

    run("types", TYPES_N, prop)


def test_arbitrary_json_and_bytes() -> None:
    @fuzz(RAW_N)
    @given(body=RAW)
    def prop(body: bytes) -> None:
        post("raw", body)

    run("raw", RAW_N, prop)


FOLLOW_UPS = ["AMAZON.RepeatIntent", "AMAZON.YesIntent", "RehearseIntent", "AMAZON.NextIntent",
              "DraftLetterIntent", "AMAZON.StartOverIntent"]  # fmt: skip


def test_the_skills_own_state_never_needs_the_catch_all(caught: list[str]) -> None:
    """Each response's sessionAttributes, sent back as Alexa does, is answered normally."""
    for base in bases():
        envelope = copy.deepcopy(base)
        for name in FOLLOW_UPS:
            response = client().post(ENDPOINT, json=envelope)
            assert response.status_code == 200
            attributes = response.get_json().get("sessionAttributes") or {}
            envelope = envelopes.intent(name, attributes=attributes)
    assert caught == []
