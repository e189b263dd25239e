"""Specification of the Flask endpoint (skill/app.py): what reaches the skill and what is refused.

Verification tests sign each request with a throwaway PKI (tests/skill/certs.py) and serve the
chain through an injected fetch, with the verifier's clock fixed; each breaks exactly one thing
and checks both the 400 and that no handler ran (``skill.handlers.respond`` is spied on).
The verifier's own unit tests live in test_verification.py; these check the wiring.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import cache
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skill.app import ConfigurationError, create_app
from skill.config import DefaultConfig
from skill.verification import RequestVerifier, VerifierSettings
from tests.skill import envelopes
from tests.skill.certs import (
    Pki,
    key,
    make_ca,
    make_leaf,
    make_pki,
    make_self_signed_leaf,
    pem,
    sign,
)
from tests.skill.envelopes import OTHER_SKILL_ID, SKILL_ID, Envelope

UTC = timezone.utc
NOW = datetime(2024, 6, 1, 12, 0, 0, tzinfo=UTC)
CERT_URL = "https://s3.amazonaws.com/echo.api/echo-api-cert-test.pem"
ENDPOINT = "/alexa"


# --- fixtures ------------------------------------------------------------------------------


@dataclass
class ChainServer:
    """The injected fetch: serves one chain for whatever URL it is asked, and counts calls."""

    chain: bytes
    calls: list[str] = field(default_factory=list)

    def __call__(self, url: str, timeout: float) -> bytes:
        self.calls.append(url)
        return self.chain


@dataclass(frozen=True)
class Post:
    body: bytes
    headers: dict[str, str]


@pytest.fixture(scope="module")
def pki() -> Pki:
    return make_pki(NOW)


@pytest.fixture
def server(pki: Pki) -> ChainServer:
    return ChainServer(pki.chain_pem())


@pytest.fixture
def verified(pki: Pki, server: ChainServer, handled: list[str]) -> FlaskClient:
    """The app with verification on, trusting only the throwaway root, clock fixed at NOW."""
    verifier = RequestVerifier(
        VerifierSettings(skill_id=SKILL_ID), trust_roots=[pki.root], fetch=server, clock=lambda: NOW
    )
    return create_app({"VERIFY": True, "SKILL_ID": SKILL_ID}, verifier=verifier).test_client()


@pytest.fixture
def unverified(handled: list[str]) -> FlaskClient:
    return create_app({"VERIFY": False, "SKILL_ID": None}).test_client()


def signed(envelope: Envelope | None = None, *, url: str = CERT_URL, signer: Any = None) -> Post:
    """Serialise, then sign the exact bytes, as Alexa does."""
    envelope = envelopes.launch(timestamp=NOW) if envelope is None else envelope
    body = json.dumps(envelope).encode()
    return Post(body, {"SignatureCertChainUrl": url, "Signature-256": sign(body, signer)})


def post(client: FlaskClient, request: Post) -> Any:
    return client.post(
        ENDPOINT, data=request.body, headers=request.headers, content_type="application/json"
    )


def post_json(client: FlaskClient, body: bytes | str) -> Any:
    return client.post(ENDPOINT, data=body, content_type="application/json")


def assert_refused(response: Any, handled: list[str], status: int = 400) -> None:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json and response.get_json()["error"]
    assert handled == []


# --- verification on: the good request ----------------------------------------------------------


def test_good_signed_request_is_answered(verified: FlaskClient, handled: list[str]) -> None:
    response = post(verified, signed())
    assert response.status_code == 200
    assert response.get_json()["response"]["outputSpeech"]["ssml"].startswith("<speak>")
    assert handled == ["LaunchRequest"]


def test_good_signed_intent_request_is_answered(verified: FlaskClient, handled: list[str]) -> None:
    envelope = envelopes.intent("TherapyNotWorkingIntent", timestamp=NOW)
    assert post(verified, signed(envelope)).status_code == 200
    assert handled == ["TherapyNotWorkingIntent"]


def test_chain_is_downloaded_once_for_many_requests(
    verified: FlaskClient, server: ChainServer
) -> None:
    for _ in range(3):
        assert post(verified, signed()).status_code == 200
    assert server.calls == [CERT_URL]


def test_healthz_reports_verification_on(verified: FlaskClient) -> None:
    response = verified.get("/healthz")
    assert (response.status_code, response.get_json()) == (200, {"status": "ok", "verify": True})


# --- verification on: each single fault is a 400 that never reaches a handler -----------------


def test_tampered_body_is_refused(verified: FlaskClient, handled: list[str]) -> None:
    good = signed()
    tampered = good.body.replace(b'"en-GB"', b'"en-US"')
    assert tampered != good.body
    assert_refused(post(verified, Post(tampered, good.headers)), handled)


def test_signature_by_another_key_is_refused(verified: FlaskClient, handled: list[str]) -> None:
    assert_refused(post(verified, signed(signer=key("not-the-leaf"))), handled)


def test_signature_of_another_body_is_refused(verified: FlaskClient, handled: list[str]) -> None:
    other = signed(envelopes.intent("AMAZON.HelpIntent", timestamp=NOW))
    assert_refused(post(verified, Post(signed().body, other.headers)), handled)


@pytest.mark.parametrize(
    "url",
    [
        "http://s3.amazonaws.com/echo.api/echo-api-cert-test.pem",
        "https://notamazon.com/echo.api/echo-api-cert-test.pem",
        "https://s3.amazonaws.com.evil.example/echo.api/echo-api-cert-test.pem",
        "https://s3.amazonaws.com:563/echo.api/echo-api-cert-test.pem",
        "https://s3.amazonaws.com/invalid.path/echo-api-cert-test.pem",
        "https://s3.amazonaws.com/echo.api/../echo-api-cert-test.pem",
        "https://s3.amazonaws.com/echo.api/%2e%2e/echo-api-cert-test.pem",
        "https://s3.amazonaws.com/EcHo.aPi/echo-api-cert-test.pem",
    ],
    ids=["http", "other-host", "host-suffix", "port-563", "path", "dot-dot", "encoded-dot-dot",
         "path-case"],
)  # fmt: skip
def test_bad_cert_url_is_refused(
    verified: FlaskClient, handled: list[str], server: ChainServer, url: str
) -> None:
    """The fetch would serve a valid chain: only the URL rule can refuse these."""
    assert_refused(post(verified, signed(url=url)), handled)
    assert server.calls == []


def _leaf(pki: Pki, **changes: Any) -> bytes:
    return pki.chain_pem(make_leaf(pki.intermediate, pki.intermediate_key, now=NOW, **changes))


def _rogue_chain() -> bytes:
    root = make_ca("Rogue Root", key("rogue-root"), now=NOW)
    intermediate = make_ca(
        "Rogue Intermediate", key("rogue-intermediate"), now=NOW,
        issuer=root, issuer_key=key("rogue-root"),
    )  # fmt: skip
    return pem(make_leaf(intermediate, key("rogue-intermediate"), now=NOW), intermediate, root)


CHAIN_FAULTS: dict[str, Callable[[Pki], bytes]] = {
    "expired-leaf": lambda pki: _leaf(
        pki, not_before=NOW - timedelta(days=60), not_after=NOW - timedelta(seconds=1)
    ),
    "not-yet-valid-leaf": lambda pki: _leaf(
        pki, not_before=NOW + timedelta(seconds=60), not_after=NOW + timedelta(days=60)
    ),
    "wrong-san": lambda pki: _leaf(pki, sans=("echo-api.amazon.co.uk",)),
    "no-san": lambda pki: _leaf(pki, sans=()),
    "untrusted-root": lambda pki: _rogue_chain(),
    "self-signed": lambda pki: pem(make_self_signed_leaf(NOW)),
    "missing-intermediate": lambda pki: pem(pki.leaf),
    "not-pem": lambda pki: b"not a certificate",
}


@pytest.mark.parametrize("fault", CHAIN_FAULTS)
def test_bad_certificate_chain_is_refused(
    verified: FlaskClient, handled: list[str], pki: Pki, server: ChainServer, fault: str
) -> None:
    server.chain = CHAIN_FAULTS[fault](pki)
    assert_refused(post(verified, signed()), handled)


@pytest.mark.parametrize("offset_s", [-200, 200], ids=["stale", "future"])
def test_timestamp_far_from_now_is_refused(
    verified: FlaskClient, handled: list[str], offset_s: int
) -> None:
    envelope = envelopes.launch(timestamp=NOW + timedelta(seconds=offset_s))
    assert_refused(post(verified, signed(envelope)), handled)


def test_request_for_another_skill_is_refused(verified: FlaskClient, handled: list[str]) -> None:
    envelope = envelopes.launch(timestamp=NOW, skill_id=OTHER_SKILL_ID)
    assert_refused(post(verified, signed(envelope)), handled)


@pytest.mark.parametrize(
    "drop",
    [("Signature-256",), ("SignatureCertChainUrl",), ("Signature-256", "SignatureCertChainUrl")],
    ids=["no-signature", "no-cert-url", "neither"],
)
def test_missing_signature_headers_are_refused(
    verified: FlaskClient, handled: list[str], drop: tuple[str, ...]
) -> None:
    good = signed()
    headers = {name: value for name, value in good.headers.items() if name not in drop}
    assert_refused(post(verified, Post(good.body, headers)), handled)


def test_legacy_sha1_signature_header_alone_is_refused(
    verified: FlaskClient, handled: list[str]
) -> None:
    good = signed()
    headers = {"SignatureCertChainUrl": CERT_URL, "Signature": good.headers["Signature-256"]}
    assert_refused(post(verified, Post(good.body, headers)), handled)


def test_signed_request_of_an_unknown_type_is_refused(
    verified: FlaskClient, handled: list[str]
) -> None:
    envelope = envelopes.launch(timestamp=NOW)
    envelope["request"]["type"] = "AudioPlayer.PlaybackStarted"
    assert_refused(post(verified, signed(envelope)), handled)


def test_malformed_json_is_refused_with_verification_on(
    verified: FlaskClient, handled: list[str]
) -> None:
    good = signed()
    body = good.body[:-1]
    assert_refused(
        post(verified, Post(body, {**good.headers, "Signature-256": sign(body)})), handled
    )


# --- malformed bodies (verification off) --------------------------------------------------------


@pytest.mark.parametrize(
    "body", [b"", b"{", b"not json", b"\xff\xfe{}", b'{"version": "1.0",}'],
    ids=["empty", "truncated", "text", "not-utf8", "trailing-comma"],
)  # fmt: skip
def test_malformed_json_is_refused(
    unverified: FlaskClient, handled: list[str], body: bytes
) -> None:
    assert_refused(post_json(unverified, body), handled)


@pytest.mark.parametrize("body", ["[]", "[{}]", "null", "42", '"LaunchRequest"', "true"])
def test_json_that_is_not_an_object_is_refused(
    unverified: FlaskClient, handled: list[str], body: str
) -> None:
    assert_refused(post_json(unverified, body), handled)


def _without(path: tuple[str, ...]) -> Envelope:
    envelope = envelopes.intent("TherapyNotWorkingIntent")
    *parents, last = path
    target = envelope
    for name in parents:
        target = target[name]
    del target[last]
    return envelope


def _with(path: tuple[str, ...], value: Any) -> Envelope:
    envelope = envelopes.intent("TherapyNotWorkingIntent")
    *parents, last = path
    target = envelope
    for name in parents:
        target = target[name]
    target[last] = value
    return envelope


@pytest.mark.parametrize(
    "envelope",
    [
        _with(("request", "type"), "UnknownRequest"),
        _with(("request", "type"), "AudioPlayer.PlaybackStarted"),
        _with(("request", "type"), "CanFulfillIntentRequest"),
        _without(("request",)),
        _with(("request",), "IntentRequest"),
        _with(("request",), ["IntentRequest"]),
        _without(("request", "type")),
        _without(("request", "intent")),
        _with(("request", "intent"), "TherapyNotWorkingIntent"),
        _with(("request", "intent", "slots"), ["format"]),
        _with(("request", "intent", "slots"), {"format": "email"}),
        _with(("request", "intent", "slots"), {"format": {"name": "format", "value": 7}}),
        _with(("request", "locale"), 44),
        _without(("session",)),
        _with(("session",), "session"),
        _with(("session", "attributes"), ["rate", 90]),
        _with(("session", "user"), {"userId": None}),
        _without(("version",)),
    ],
    ids=[
        "unknown-type", "audioplayer-type", "canfulfill-type", "no-request", "request-string",
        "request-list", "no-type", "no-intent", "intent-string", "slots-list", "slot-string",
        "slot-value-number", "locale-number", "no-session", "session-string",
        "attributes-list", "user-id-null", "no-version",
    ],
)  # fmt: skip
def test_envelope_of_the_wrong_shape_is_refused(
    unverified: FlaskClient, handled: list[str], envelope: Envelope
) -> None:
    assert_refused(post_json(unverified, json.dumps(envelope)), handled)


def test_application_id_is_checked_when_set_even_without_verification(
    handled: list[str],
) -> None:
    client = create_app({"VERIFY": False, "SKILL_ID": SKILL_ID}).test_client()
    assert post_json(client, json.dumps(envelopes.launch())).status_code == 200
    foreign = envelopes.launch(skill_id=OTHER_SKILL_ID)
    handled.clear()
    assert_refused(post_json(client, json.dumps(foreign)), handled)


# --- HTTP surface -------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
def test_other_methods_on_the_endpoint_are_405_with_a_json_body(
    unverified: FlaskClient, handled: list[str], method: str
) -> None:
    response = unverified.open(ENDPOINT, method=method, data=json.dumps(envelopes.launch()))
    assert_refused(response, handled, status=405)


def test_body_over_the_size_limit_is_413(unverified: FlaskClient, handled: list[str]) -> None:
    envelope = envelopes.intent("AMAZON.FallbackIntent")
    envelope["session"]["attributes"] = {"padding": "x" * DefaultConfig.MAX_CONTENT_LENGTH}
    assert_refused(post_json(unverified, json.dumps(envelope)), handled, status=413)


def test_body_over_the_size_limit_is_413_before_verification(
    verified: FlaskClient, handled: list[str], server: ChainServer
) -> None:
    body = b" " * (DefaultConfig.MAX_CONTENT_LENGTH + 1)
    assert_refused(post(verified, Post(body, signed().headers)), handled, status=413)
    assert server.calls == []


def test_unknown_path_is_404_with_a_json_body(unverified: FlaskClient) -> None:
    response = unverified.post("/alexa/extra", data="{}")
    assert response.status_code == 404
    assert response.get_json()["error"]


def test_healthz_answers_ok(unverified: FlaskClient) -> None:
    response = unverified.get("/healthz")
    assert (response.status_code, response.get_json()) == (200, {"status": "ok", "verify": False})


# --- configuration --------------------------------------------------------------------------------


@pytest.mark.parametrize("skill_id", [None, ""], ids=["unset", "empty"])
def test_verification_without_a_skill_id_refuses_to_start(
    monkeypatch: pytest.MonkeyPatch, skill_id: str | None
) -> None:
    monkeypatch.delenv("THERAPY_CHECKIN_SKILL_ID", raising=False)
    with pytest.raises(ConfigurationError, match="THERAPY_CHECKIN_SKILL_ID"):
        create_app({"VERIFY": True, "SKILL_ID": skill_id})


def test_verification_is_on_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("THERAPY_CHECKIN_VERIFY", raising=False)
    monkeypatch.setenv("THERAPY_CHECKIN_SKILL_ID", SKILL_ID)
    app: Flask = create_app()
    assert app.test_client().get("/healthz").get_json()["verify"] is True


# --- never a 5xx for a client's fault -----------------------------------------------------------


@cache
def _fuzz_client() -> FlaskClient:
    return create_app({"VERIFY": False, "SKILL_ID": None}).test_client()


#: Keys the skill and the envelope checks look at, so generated objects often hit them.
_KEYS = st.sampled_from(
    ["version", "session", "request", "context", "System", "type", "intent", "name", "slots",
     "value", "attributes", "rate", "last", "offer", "misses", "crisis", "speech", "reprompt",
     "rate_factor", "action", "locale", "sessionId", "user", "userId", "requestId", "timestamp",
     "reason", "error", "resolutions", "resolutionsPerAuthority", "status", "code", "values",
     "application", "applicationId", "dialogState"]
)  # fmt: skip
_WORDS = st.sampled_from(
    ["LaunchRequest", "IntentRequest", "SessionEndedRequest", "System.ExceptionEncountered",
     "AMAZON.YesIntent", "AMAZON.RepeatIntent", "AMAZON.StopIntent", "CrisisIntent", "more",
     "TherapyNotWorkingIntent", "en-GB", "en-US", "ER_SUCCESS_MATCH", "ERROR", "IN_PROGRESS",
     "2024-06-01T12:00:00Z", "Infinity", "1e400", "I can't go on"]
)  # fmt: skip
_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()
    | st.text(max_size=12)
    | _WORDS
)
_JSON = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(_KEYS | st.text(max_size=6), inner, max_size=5)
    ),
    max_leaves=12,
)

_STATE = {
    "rate": 90,
    "misses": 1,
    "crisis": False,
    "offer": {"action": "more", "intent": "TherapyNotWorkingIntent"},
    "last": {
        "speech": [["Hello.", 400]], "reprompt": [["Hello?", 400]], "title": "T", "card": "C",
        "intent": "TherapyNotWorkingIntent", "rate_factor": 1.0, "offer": None,
    },
}  # fmt: skip
_BASES = (
    envelopes.launch(),
    envelopes.intent(
        "DraftLetterIntent", {"format": envelopes.slot("format", "email", resolved_id="email")}
    ),
    envelopes.intent("AMAZON.YesIntent", attributes=_STATE),
    envelopes.intent("AMAZON.RepeatIntent", attributes=_STATE),
    envelopes.session_ended("ERROR", attributes=_STATE),
)  # fmt: skip


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every path to a value inside nested dicts and lists."""
    if isinstance(value, dict):
        items: Any = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return
    for key_, child in items:
        yield (*prefix, key_)
        yield from _paths(child, (*prefix, key_))


@st.composite
def _mutated_envelopes(draw: st.DrawFn) -> bytes:
    """A real envelope with one value replaced or removed: near misses reach deepest."""
    envelope = copy.deepcopy(draw(st.sampled_from(_BASES)))
    *parents, last = draw(st.sampled_from(list(_paths(envelope))))
    target = envelope
    for step in parents:
        target = target[step]
    if isinstance(target, dict) and draw(st.booleans()) and draw(st.booleans()):
        del target[last]
    else:
        target[last] = draw(_JSON)
    return json.dumps(envelope).encode()


_BODIES = st.one_of(
    _mutated_envelopes(),
    _mutated_envelopes(),
    _JSON.map(lambda value: json.dumps(value).encode()),
    st.binary(max_size=64),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=_BODIES)
def test_no_body_ever_gets_a_server_error(body: bytes) -> None:
    response = post_json(_fuzz_client(), body)
    assert response.status_code < 500, (body, response.get_data(as_text=True))
    assert response.status_code in (200, 400), response.status_code
    assert response.is_json
