"""Specification of the Alexa request verifier (skill/verification.py).

Every request here is built and signed with a throwaway PKI (tests/skill/certs.py) and
served through an injected fetch function, except the real Amazon chain tests (a stored
fixture) and the default-fetcher tests (a loopback HTTP server). No test touches the
network. Each fault test breaks exactly one thing and names the expected `reason`.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import Headers

from skill.verification import (
    MAX_CERT_CHAIN_BYTES,
    RequestVerifier,
    VerificationError,
    VerifierSettings,
    check_cert_url,
    fetch_cert_chain,
)
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
from tests.skill.envelopes import OTHER_SKILL_ID, SKILL_ID

UTC = timezone.utc
NOW = datetime(2024, 6, 1, 12, 0, 0, tzinfo=UTC)
CERT_URL = "https://s3.amazonaws.com/echo.api/echo-api-cert-test.pem"

REPO_ROOT = Path(__file__).resolve().parents[2]
AMAZON_CHAIN = REPO_ROOT.parent / "shared" / "alexa-fixtures" / "echo-api-cert-7.pem"
needs_amazon_chain = pytest.mark.skipif(
    not AMAZON_CHAIN.is_file(),
    reason=f"real Amazon chain fixture missing: expected {AMAZON_CHAIN} (shared/ beside the repo)",
)


# --- helpers ----------------------------------------------------------------------------


def iso(moment: datetime) -> str:
    """The format Alexa sends: 2015-05-13T12:34:56Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def make_envelope(
    *,
    timestamp: Any = None,
    context_app_id: str | None = SKILL_ID,
    session_app_id: str | None = SKILL_ID,
) -> dict[str, Any]:
    """A LaunchRequest shaped like Alexa's; None leaves the application id out."""
    envelope: dict[str, Any] = {
        "version": "1.0",
        "session": {"new": True, "sessionId": "amzn1.echo-api.session.test"},
        "context": {"System": {"device": {"deviceId": "amzn1.ask.device.test"}}},
        "request": {
            "type": "LaunchRequest",
            "requestId": "amzn1.echo-api.request.test",
            "timestamp": iso(NOW) if timestamp is None else timestamp,
            "locale": "en-GB",
        },
    }
    if session_app_id is not None:
        envelope["session"]["application"] = {"applicationId": session_app_id}
    if context_app_id is not None:
        envelope["context"]["System"]["application"] = {"applicationId": context_app_id}
    return envelope


@dataclass
class Request:
    headers: dict[str, str]
    body: bytes
    envelope: dict[str, Any]


def signed_request(
    envelope: dict[str, Any] | None = None, *, url: str = CERT_URL, signer: Any = None
) -> Request:
    """Serialise, then sign the exact bytes, as Alexa does."""
    envelope = make_envelope() if envelope is None else envelope
    body = json.dumps(envelope).encode()
    headers = {"SignatureCertChainUrl": url, "Signature-256": sign(body, signer)}
    return Request(headers, body, envelope)


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class FakeFetch:
    """Serves canned chains by URL and records every call."""

    responses: dict[str, bytes | Exception]
    calls: list[tuple[str, float]] = field(default_factory=list)

    def __call__(self, url: str, timeout: float) -> bytes:
        self.calls.append((url, timeout))
        result = self.responses[url]
        if isinstance(result, Exception):
            raise result
        return result

    def count(self, url: str = CERT_URL) -> int:
        return sum(1 for called, _ in self.calls if called == url)


def rejection(verifier: RequestVerifier, request: Request) -> VerificationError:
    with pytest.raises(VerificationError) as caught:
        verifier.verify(request.headers, request.body, request.envelope)
    return caught.value


@pytest.fixture(scope="module")
def pki() -> Pki:
    return make_pki(NOW)


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def fetch(pki: Pki) -> FakeFetch:
    return FakeFetch({CERT_URL: pki.chain_pem()})


MakeVerifier = Callable[..., RequestVerifier]


@pytest.fixture
def make_verifier(pki: Pki, fetch: FakeFetch, clock: Clock) -> MakeVerifier:
    """A verifier trusting only the throwaway root; keyword args become settings."""

    def build(**settings: Any) -> RequestVerifier:
        return RequestVerifier(
            VerifierSettings(skill_id=SKILL_ID, **settings),
            trust_roots=[pki.root],
            fetch=fetch,
            clock=clock,
        )

    return build


@pytest.fixture
def verifier(make_verifier: MakeVerifier) -> RequestVerifier:
    return make_verifier()


# --- the good request -------------------------------------------------------------------


def test_good_request_passes(verifier: RequestVerifier, fetch: FakeFetch) -> None:
    request = signed_request()
    verifier.verify(request.headers, request.body, request.envelope)
    assert fetch.calls == [(CERT_URL, 2.0)]  # default timeout reaches the fetcher


@pytest.mark.parametrize(
    "names",
    [
        ("signaturecertchainurl", "signature-256"),
        ("SIGNATURECERTCHAINURL", "SIGNATURE-256"),
        ("SignatureCertChainUrl", "Signature-256"),
    ],
    ids=["lower", "upper", "canonical"],
)
def test_header_names_are_case_insensitive(
    verifier: RequestVerifier, names: tuple[str, str]
) -> None:
    request = signed_request()
    headers = {names[0]: request.headers["SignatureCertChainUrl"]}
    headers[names[1]] = request.headers["Signature-256"]
    verifier.verify(headers, request.body, request.envelope)


def test_werkzeug_headers_object_is_accepted(verifier: RequestVerifier) -> None:
    request = signed_request()
    headers = Headers([("Content-Type", "application/json"), *request.headers.items()])
    verifier.verify(headers, request.body, request.envelope)


def test_session_application_id_is_the_fallback(verifier: RequestVerifier) -> None:
    verifier.verify(*_parts(signed_request(make_envelope(context_app_id=None))))


def _parts(request: Request) -> tuple[dict[str, str], bytes, dict[str, Any]]:
    return request.headers, request.body, request.envelope


# --- signature faults ---------------------------------------------------------------------


def test_tampered_body_is_rejected(verifier: RequestVerifier) -> None:
    request = signed_request()
    request.body = request.body.replace(b"LaunchRequest", b"IntentRequest")
    assert rejection(verifier, request).reason == "signature"


def test_signature_by_another_key_is_rejected(verifier: RequestVerifier) -> None:
    request = signed_request(signer=key("attacker"))
    assert rejection(verifier, request).reason == "signature"


def test_signature_over_another_body_is_rejected(verifier: RequestVerifier) -> None:
    request = signed_request()
    request.headers["Signature-256"] = sign(b'{"request": "something else"}')
    assert rejection(verifier, request).reason == "signature"


def test_reserialised_body_is_rejected(verifier: RequestVerifier) -> None:
    """The signature covers the raw bytes; equivalent JSON with other spacing fails."""
    request = signed_request()
    request.body = json.dumps(request.envelope, indent=2).encode()
    assert rejection(verifier, request).reason == "signature"


def test_legacy_sha1_signature_header_alone_is_rejected(verifier: RequestVerifier) -> None:
    request = signed_request()
    request.headers["Signature"] = request.headers.pop("Signature-256")
    error = rejection(verifier, request)
    assert error.reason == "headers"
    assert "legacy" in error.message


@pytest.mark.parametrize(
    "value",
    ["not base64 at all!", "QUJD=", "QUJ", "Zm9v\x00"],
    ids=["punctuation", "bad-padding", "truncated", "nul-byte"],
)
def test_bad_base64_signature_is_rejected(verifier: RequestVerifier, value: str) -> None:
    request = signed_request()
    request.headers["Signature-256"] = value
    assert rejection(verifier, request).reason == "signature"


# --- header faults -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SignatureCertChainUrl", None),
        ("Signature-256", None),
        ("SignatureCertChainUrl", ""),
        ("Signature-256", ""),
        ("Signature-256", "   "),
    ],
    ids=["no-cert-url", "no-signature", "empty-cert-url", "empty-signature", "blank-signature"],
)
def test_missing_or_empty_header_is_rejected(
    verifier: RequestVerifier, fetch: FakeFetch, name: str, value: str | None
) -> None:
    request = signed_request()
    if value is None:
        del request.headers[name]
    else:
        request.headers[name] = value
    assert rejection(verifier, request).reason == "headers"
    assert fetch.calls == []


def test_conflicting_duplicate_headers_are_rejected(verifier: RequestVerifier) -> None:
    request = signed_request()
    request.headers["signature-256"] = sign(b"another body")
    assert rejection(verifier, request).reason == "headers"


def test_decoded_text_body_is_a_programming_error(verifier: RequestVerifier) -> None:
    request = signed_request()
    with pytest.raises(TypeError):
        verifier.verify(request.headers, request.body.decode(), request.envelope)  # type: ignore[arg-type]


# --- certificate URL -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "normalised"),
    [
        (CERT_URL, CERT_URL),
        ("HTTPS://s3.amazonaws.com/echo.api/echo-api-cert.pem", None),
        ("https://S3.AMAZONAWS.COM/echo.api/echo-api-cert.pem", None),
        ("https://s3.amazonaws.com:443/echo.api/echo-api-cert.pem", None),
        ("https://s3.amazonaws.com/echo.api/../echo.api/echo-api-cert.pem", None),
        ("https://s3.amazonaws.com/invalid.path/../echo.api/echo-api-cert.pem", None),
        ("https://s3.amazonaws.com/echo.api/./echo-api-cert.pem", None),
        ("https://s3.amazonaws.com/echo.api//echo-api-cert.pem", None),
    ],
    ids=[
        "canonical",
        "upper-scheme",
        "upper-host",
        "port-443",
        "dotdot-back-in",
        "other-dir-dotdot",
        "dot",
        "double-slash",
    ],
)
def test_valid_cert_url_forms_normalise_to_one_url(url: str, normalised: str | None) -> None:
    expected = normalised or "https://s3.amazonaws.com/echo.api/echo-api-cert.pem"
    assert check_cert_url(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "http://s3.amazonaws.com/echo.api/echo-api-cert.pem",
        "https://notamazon.com/echo.api/echo-api-cert.pem",
        "https://s3.amazonaws.com.evil.example/echo.api/echo-api-cert.pem",
        "https://s3.amazonaws.com:563/echo.api/echo-api-cert.pem",
        "https://s3.amazonaws.com:563/echo.api/",
        "https://s3.amazonaws.com/invalid.path/echo-api-cert.pem",
        "https://s3.amazonaws.com/echo.api/../invalid.path/echo-api-cert.pem",
        "https://s3.amazonaws.com/echo.api/%2e%2e/invalid.path/echo-api-cert.pem",
        "https://s3.amazonaws.com/EcHo.aPi/echo-api-cert.pem",
        "https://s3.amazonaws.com/echo.api",
        "https://s3.amazonaws.com",
        "https://user@s3.amazonaws.com/echo.api/echo-api-cert.pem",
        "https://s3.amazonaws.com/echo.api/echo-api-cert.pem?versionId=1",
        "https://s3.amazonaws.com/echo.api/echo-api-cert.pem#frag",
        "https://s3.amazonaws.com:notaport/echo.api/echo-api-cert.pem",
        "https://[s3.amazonaws.com/echo.api/echo-api-cert.pem",
        "https://s3.amazonaws.com/echo.api/cert\u00e9.pem",
        "/echo.api/echo-api-cert.pem",
    ],
    ids=[
        "http",
        "other-host",
        "host-suffix",
        "port-563",
        "port-563-dir",
        "outside-echo-api",
        "dotdot-escape",
        "encoded-dotdot-escape",
        "path-case",
        "no-trailing-slash",
        "no-path",
        "userinfo",
        "query",
        "fragment",
        "bad-port",
        "bad-ipv6",
        "non-ascii",
        "relative",
    ],
)
def test_bad_cert_url_is_rejected_without_download(
    verifier: RequestVerifier, fetch: FakeFetch, url: str
) -> None:
    with pytest.raises(VerificationError) as caught:
        check_cert_url(url)
    assert caught.value.reason == "cert_url"
    assert rejection(verifier, signed_request(url=url)).reason == "cert_url"
    assert fetch.calls == []


@given(st.text(max_size=80) | st.from_regex(r"\Ahttps://s3\.amazonaws\.com/[./a-z%2e]*\Z"))
def test_check_cert_url_only_yields_echo_api_urls_and_is_idempotent(url: str) -> None:
    try:
        normalised = check_cert_url(url)
    except VerificationError as error:
        assert error.reason == "cert_url"
        return
    assert normalised.startswith("https://s3.amazonaws.com/echo.api/")
    assert check_cert_url(normalised) == normalised


# --- certificate chain --------------------------------------------------------------------


def _serve(fetch: FakeFetch, chain: bytes) -> None:
    fetch.responses[CERT_URL] = chain


def test_expired_leaf_is_rejected(pki: Pki, fetch: FakeFetch, verifier: RequestVerifier) -> None:
    leaf = make_leaf(
        pki.intermediate,
        pki.intermediate_key,
        now=NOW,
        not_before=NOW - timedelta(days=60),
        not_after=NOW - timedelta(seconds=1),
    )
    _serve(fetch, pki.chain_pem(leaf))
    error = rejection(verifier, signed_request())
    assert (error.reason, "expired" in error.message) == ("chain", True)


def test_not_yet_valid_leaf_is_rejected(
    pki: Pki, fetch: FakeFetch, verifier: RequestVerifier
) -> None:
    leaf = make_leaf(
        pki.intermediate,
        pki.intermediate_key,
        now=NOW,
        not_before=NOW + timedelta(seconds=60),
        not_after=NOW + timedelta(days=60),
    )
    _serve(fetch, pki.chain_pem(leaf))
    error = rejection(verifier, signed_request())
    assert (error.reason, "not yet valid" in error.message) == ("chain", True)


@pytest.mark.parametrize(
    "sans",
    [("echo-api.amazon.co.uk",), ("*.amazon.com",), ("evil.example", "echo-api.amazon.com.evil")],
    ids=["other-name", "wildcard", "look-alikes"],
)
def test_leaf_without_exact_echo_api_san_is_rejected(
    pki: Pki, fetch: FakeFetch, verifier: RequestVerifier, sans: tuple[str, ...]
) -> None:
    _serve(
        fetch, pki.chain_pem(make_leaf(pki.intermediate, pki.intermediate_key, now=NOW, sans=sans))
    )
    error = rejection(verifier, signed_request())
    assert (error.reason, "SAN" in error.message) == ("chain", True)


def test_leaf_without_digital_signature_usage_is_rejected(
    pki: Pki, fetch: FakeFetch, verifier: RequestVerifier
) -> None:
    leaf = make_leaf(pki.intermediate, pki.intermediate_key, now=NOW, key_usage=False)
    _serve(fetch, pki.chain_pem(leaf))
    assert rejection(verifier, signed_request()).reason == "chain"


def test_self_signed_leaf_is_rejected(fetch: FakeFetch, verifier: RequestVerifier) -> None:
    _serve(fetch, pem(make_self_signed_leaf(NOW)))
    assert rejection(verifier, signed_request()).reason == "chain"


def test_chain_through_untrusted_intermediate_is_rejected(
    fetch: FakeFetch, verifier: RequestVerifier
) -> None:
    """A complete, well-formed chain whose root we were never told to trust."""
    rogue_root = make_ca("Rogue Root", key("rogue-root"), now=NOW)
    rogue_intermediate = make_ca(
        "Rogue Intermediate", key("rogue-intermediate"), now=NOW,
        issuer=rogue_root, issuer_key=key("rogue-root"),
    )  # fmt: skip
    leaf = make_leaf(rogue_intermediate, key("rogue-intermediate"), now=NOW)
    _serve(fetch, pem(leaf, rogue_intermediate, rogue_root))
    assert rejection(verifier, signed_request()).reason == "chain"


def test_chain_missing_its_intermediate_is_rejected(
    pki: Pki, fetch: FakeFetch, verifier: RequestVerifier
) -> None:
    _serve(fetch, pem(pki.leaf))
    assert rejection(verifier, signed_request()).reason == "chain"


@pytest.mark.parametrize(
    "payload",
    [b"not a certificate", b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"],
    ids=["not-pem", "broken-der"],
)
def test_unparseable_chain_is_rejected(
    fetch: FakeFetch, verifier: RequestVerifier, payload: bytes
) -> None:
    _serve(fetch, payload)
    assert rejection(verifier, signed_request()).reason == "chain"


def test_default_verifier_trusts_certifi_roots_not_the_test_root(
    fetch: FakeFetch, clock: Clock
) -> None:
    """Only the explicit constructor argument makes the throwaway root trusted."""
    verifier = RequestVerifier(VerifierSettings(SKILL_ID), fetch=fetch, clock=clock)
    assert rejection(verifier, signed_request()).reason == "chain"


def test_empty_trust_roots_are_refused() -> None:
    with pytest.raises(ValueError, match="trust_roots"):
        RequestVerifier(VerifierSettings(SKILL_ID), trust_roots=[])


# --- the real Amazon chain (certifi roots) -----------------------------------------------

AMAZON_URL = "https://s3.amazonaws.com/echo.api/echo-api-cert-7.pem"


def _amazon_chain_outcome(moment: datetime) -> VerificationError:
    """Our key signed the body, so a chain that passes fails at the signature step."""
    verifier = RequestVerifier(
        VerifierSettings(SKILL_ID),
        fetch=FakeFetch({AMAZON_URL: AMAZON_CHAIN.read_bytes()}),
        clock=lambda: moment,
    )
    return rejection(verifier, signed_request(make_envelope(timestamp=iso(moment)), url=AMAZON_URL))


@needs_amazon_chain
def test_real_amazon_chain_is_trusted_inside_its_validity_window() -> None:
    error = _amazon_chain_outcome(datetime(2020, 1, 1, tzinfo=UTC))
    assert error.reason == "signature"


@needs_amazon_chain
def test_real_amazon_chain_is_rejected_after_it_expired() -> None:
    error = _amazon_chain_outcome(datetime(2021, 1, 1, tzinfo=UTC))
    assert (error.reason, "expired" in error.message) == ("chain", True)


@needs_amazon_chain
def test_real_amazon_chain_is_rejected_before_it_was_valid() -> None:
    error = _amazon_chain_outcome(datetime(2019, 1, 1, tzinfo=UTC))
    assert (error.reason, "not yet valid" in error.message) == ("chain", True)


# --- timestamp ----------------------------------------------------------------------------


@pytest.mark.parametrize("offset_s", [-200, 200], ids=["stale-200s", "future-200s"])
def test_timestamp_more_than_150s_off_is_rejected(
    verifier: RequestVerifier, fetch: FakeFetch, offset_s: int
) -> None:
    stamp = iso(NOW + timedelta(seconds=offset_s))
    assert rejection(verifier, signed_request(make_envelope(timestamp=stamp))).reason == "timestamp"
    assert fetch.calls == []


@pytest.mark.parametrize("offset_s", [-150, 150], ids=["150s-old", "150s-ahead"])
def test_timestamp_exactly_150s_off_is_accepted(verifier: RequestVerifier, offset_s: int) -> None:
    stamp = iso(NOW + timedelta(seconds=offset_s))
    verifier.verify(*_parts(signed_request(make_envelope(timestamp=stamp))))


def test_timestamp_151s_off_is_rejected(verifier: RequestVerifier) -> None:
    stamp = iso(NOW - timedelta(seconds=151))
    assert rejection(verifier, signed_request(make_envelope(timestamp=stamp))).reason == "timestamp"


@pytest.mark.parametrize(
    "stamp",
    [
        "2024-06-01T12:00:00Z",
        "2024-06-01T12:00:00.123Z",
        "2024-06-01T12:00:00.123456789Z",
        "2024-06-01T12:00:00+00:00",
        "2024-06-01T14:00:00+02:00",
        "2024-06-01T07:00:00.5-05:00",
    ],
)
def test_iso_8601_timestamp_forms_are_accepted(verifier: RequestVerifier, stamp: str) -> None:
    verifier.verify(*_parts(signed_request(make_envelope(timestamp=stamp))))


@pytest.mark.parametrize(
    "stamp",
    [
        "",
        "string",
        1717243200000,
        "2024-06-01T12:00:00",
        "2024-06-01 12:00:00Z",
        "2024-13-01T12:00:00Z",
        "2024-06-01T12:00:00+25:00",
        "0001-01-01T00:00:00+23:59",
        "2024-06-01T12:00:00Z trailing",
    ],
    ids=[
        "empty",
        "word",
        "epoch-ms",
        "no-offset",
        "space",
        "month-13",
        "offset-25h",
        "year-1-overflow",
        "trailing",
    ],
)
def test_unparseable_timestamp_is_rejected(verifier: RequestVerifier, stamp: Any) -> None:
    assert rejection(verifier, signed_request(make_envelope(timestamp=stamp))).reason == "timestamp"


def test_missing_timestamp_is_rejected(verifier: RequestVerifier) -> None:
    envelope = make_envelope()
    del envelope["request"]["timestamp"]
    assert rejection(verifier, signed_request(envelope)).reason == "timestamp"


def test_naive_clock_is_read_as_utc(make_verifier: MakeVerifier, clock: Clock) -> None:
    """freezegun and friends hand out naive datetimes."""
    clock.now = NOW.replace(tzinfo=None)
    make_verifier().verify(*_parts(signed_request()))


# --- application id -----------------------------------------------------------------------


def test_wrong_skill_id_is_rejected(verifier: RequestVerifier, fetch: FakeFetch) -> None:
    envelope = make_envelope(context_app_id=OTHER_SKILL_ID, session_app_id=OTHER_SKILL_ID)
    assert rejection(verifier, signed_request(envelope)).reason == "application_id"
    assert fetch.calls == []


def test_missing_application_id_is_rejected(verifier: RequestVerifier) -> None:
    envelope = make_envelope(context_app_id=None, session_app_id=None)
    assert rejection(verifier, signed_request(envelope)).reason == "application_id"


def test_context_application_id_wins_over_session(verifier: RequestVerifier) -> None:
    envelope = make_envelope(context_app_id=OTHER_SKILL_ID, session_app_id=SKILL_ID)
    assert rejection(verifier, signed_request(envelope)).reason == "application_id"


# --- download failures (injected fetch) ------------------------------------------------------


@pytest.mark.parametrize(
    "failure",
    [TimeoutError("timed out"), OSError("connection refused"), RuntimeError("fetcher bug")],
    ids=["timeout", "connection", "unexpected"],
)
def test_fetch_failure_is_rejected_not_raised(
    fetch: FakeFetch, verifier: RequestVerifier, failure: Exception
) -> None:
    _serve(fetch, failure)  # type: ignore[arg-type]
    assert rejection(verifier, signed_request()).reason == "cert_download"


def test_oversized_download_is_rejected(
    pki: Pki, fetch: FakeFetch, verifier: RequestVerifier
) -> None:
    chain = pki.chain_pem()
    _serve(fetch, chain + b"\n" * (MAX_CERT_CHAIN_BYTES + 1 - len(chain)))
    assert rejection(verifier, signed_request()).reason == "cert_download"


def test_empty_download_is_rejected(fetch: FakeFetch, verifier: RequestVerifier) -> None:
    _serve(fetch, b"")
    assert rejection(verifier, signed_request()).reason == "cert_download"


def test_download_timeout_setting_reaches_the_fetcher(
    make_verifier: MakeVerifier, fetch: FakeFetch
) -> None:
    make_verifier(download_timeout_s=0.5).verify(*_parts(signed_request()))
    assert fetch.calls == [(CERT_URL, 0.5)]


# --- cache ---------------------------------------------------------------------------------


def test_second_request_with_same_url_does_not_fetch_again(
    verifier: RequestVerifier, fetch: FakeFetch
) -> None:
    verifier.verify(*_parts(signed_request()))
    verifier.verify(*_parts(signed_request()))
    assert fetch.count() == 1


def test_cache_key_is_the_normalised_url(verifier: RequestVerifier, fetch: FakeFetch) -> None:
    verifier.verify(*_parts(signed_request()))
    spelled_differently = "HTTPS://S3.amazonaws.com:443/echo.api/../echo.api/echo-api-cert-test.pem"
    verifier.verify(*_parts(signed_request(url=spelled_differently)))
    assert fetch.calls == [(CERT_URL, 2.0)]


def test_cache_is_bounded_and_evicts_least_recently_used(
    pki: Pki, fetch: FakeFetch, make_verifier: MakeVerifier
) -> None:
    urls = [f"https://s3.amazonaws.com/echo.api/cert-{n}.pem" for n in range(3)]
    fetch.responses.update(dict.fromkeys(urls, pki.chain_pem()))
    verifier = make_verifier(cache_size=2)
    for url in [urls[0], urls[1], urls[0], urls[2]]:  # cert-1 is now least recently used
        verifier.verify(*_parts(signed_request(url=url)))
    verifier.verify(*_parts(signed_request(url=urls[0])))
    verifier.verify(*_parts(signed_request(url=urls[1])))
    assert [fetch.count(url) for url in urls] == [1, 2, 1]


def test_cache_entries_expire_after_ttl(
    make_verifier: MakeVerifier, fetch: FakeFetch, clock: Clock
) -> None:
    verifier = make_verifier(cache_ttl_s=60)
    verifier.verify(*_parts(signed_request()))
    clock.advance(59)
    verifier.verify(*_parts(signed_request(make_envelope(timestamp=iso(clock.now)))))
    assert fetch.count() == 1
    clock.advance(2)
    verifier.verify(*_parts(signed_request(make_envelope(timestamp=iso(clock.now)))))
    assert fetch.count() == 2


def test_cache_entry_never_outlives_its_leaf(
    pki: Pki, fetch: FakeFetch, verifier: RequestVerifier, clock: Clock
) -> None:
    """A renewed certificate at the same URL is picked up as soon as the old one expires."""
    short = make_leaf(
        pki.intermediate, pki.intermediate_key, now=NOW, not_after=NOW + timedelta(minutes=10)
    )
    _serve(fetch, pki.chain_pem(short))
    verifier.verify(*_parts(signed_request()))
    clock.advance(11 * 60)
    _serve(fetch, pki.chain_pem())
    verifier.verify(*_parts(signed_request(make_envelope(timestamp=iso(clock.now)))))
    assert fetch.count() == 2


def test_rejected_chain_is_not_cached(
    pki: Pki, fetch: FakeFetch, verifier: RequestVerifier
) -> None:
    _serve(fetch, pem(pki.leaf))  # intermediate missing
    assert rejection(verifier, signed_request()).reason == "chain"
    _serve(fetch, pki.chain_pem())
    verifier.verify(*_parts(signed_request()))
    assert fetch.count() == 2


def test_cached_chain_is_still_checked_against_the_clock(
    pki: Pki, fetch: FakeFetch, verifier: RequestVerifier, clock: Clock
) -> None:
    """The cache keeps a chain for its leaf's lifetime; an intermediate may expire sooner."""
    short_lived = make_ca(
        "Short-lived Intermediate", key("intermediate"), now=NOW,
        issuer=pki.root, issuer_key=key("root"), not_after=NOW + timedelta(minutes=10),
    )  # fmt: skip
    leaf = make_leaf(short_lived, key("intermediate"), now=NOW)
    _serve(fetch, pem(leaf, short_lived))
    verifier.verify(*_parts(signed_request()))
    clock.advance(11 * 60)
    request = signed_request(make_envelope(timestamp=iso(clock.now)))
    assert rejection(verifier, request).reason == "chain"
    assert fetch.count() == 1  # served from the cache, and still refused


# --- settings and robustness ------------------------------------------------------------------


@pytest.mark.parametrize(
    "overrides",
    [
        {"skill_id": ""},
        {"skill_id": "   "},
        {"timestamp_tolerance_s": 151},
        {"timestamp_tolerance_s": 0},
        {"download_timeout_s": 0},
        {"cache_size": 0},
        {"cache_ttl_s": -1},
    ],
    ids=lambda overrides: "-".join(f"{k}={v}" for k, v in overrides.items()),
)
def test_invalid_settings_are_refused(overrides: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        VerifierSettings(**{"skill_id": SKILL_ID, **overrides})


def test_messages_never_quote_the_body(verifier: RequestVerifier) -> None:
    envelope = make_envelope(context_app_id="SECRET-BODY-MARKER", session_app_id=None)
    envelope["request"]["intent"] = {"name": "SECRET-BODY-MARKER"}
    error = rejection(verifier, signed_request(envelope))
    assert "SECRET-BODY-MARKER" not in str(error)


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    envelope=_json,
    headers=st.dictionaries(
        st.sampled_from(["Signature-256", "signature", "SignatureCertChainUrl", "X-Other"]),
        st.text(max_size=40),
    ),
)
def test_arbitrary_input_only_ever_raises_verification_error(
    pki: Pki, envelope: Any, headers: dict[str, str]
) -> None:
    verifier = RequestVerifier(
        VerifierSettings(SKILL_ID),
        trust_roots=[pki.root],
        fetch=FakeFetch({CERT_URL: pki.chain_pem()}),
        clock=lambda: NOW,
    )
    with pytest.raises(VerificationError):
        verifier.verify(headers, json.dumps(envelope).encode(), envelope)


# --- the default fetcher against a loopback server ------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    chain = b""

    def do_GET(self) -> None:
        route = getattr(self, "route_" + self.path.strip("/").replace("-", "_"), None)
        if route is None:
            self.send_error(404)
            return
        route()

    def _start(self, length: int | None = None) -> None:
        self.send_response(200)
        if length is not None:
            self.send_header("Content-Length", str(length))
        self.end_headers()

    def route_chain(self) -> None:
        self._start(len(self.chain))
        self.wfile.write(self.chain)

    def route_big_declared(self) -> None:
        self._start(MAX_CERT_CHAIN_BYTES + 1)
        self.wfile.write(b"\n" * (MAX_CERT_CHAIN_BYTES + 1))

    def route_big_undeclared(self) -> None:
        self._start()
        self.wfile.write(b"\n" * (MAX_CERT_CHAIN_BYTES + 1))

    def route_redirect(self) -> None:
        self.send_response(302)
        self.send_header("Location", "/chain")
        self.end_headers()

    def route_slow_headers(self) -> None:
        time.sleep(1.0)
        self._start(len(self.chain))
        self.wfile.write(self.chain)

    def route_stall(self) -> None:
        self._start(len(self.chain))
        self.wfile.write(self.chain[:10])
        self.wfile.flush()
        time.sleep(1.0)

    def route_drip(self) -> None:
        self._start()
        for _ in range(60):
            self.wfile.write(b"-")
            self.wfile.flush()
            time.sleep(0.05)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients hanging up on the slow routes is the point


@pytest.fixture(scope="module")
def loopback(pki: Pki) -> Iterator[str]:
    _Handler.chain = pki.chain_pem()
    server = _QuietServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.setenv(name, "127.0.0.1,localhost")


@pytest.mark.slow
@pytest.mark.usefixtures("no_proxy")
def test_default_fetcher_returns_the_body(loopback: str, pki: Pki) -> None:
    assert fetch_cert_chain(f"{loopback}/chain", 2.0) == pki.chain_pem()


@pytest.mark.slow
@pytest.mark.usefixtures("no_proxy")
@pytest.mark.parametrize(
    "route",
    ["big-declared", "big-undeclared", "redirect", "missing"],
)
def test_default_fetcher_refuses(loopback: str, route: str) -> None:
    with pytest.raises(OSError):
        fetch_cert_chain(f"{loopback}/{route}", 2.0)


@pytest.mark.slow
@pytest.mark.usefixtures("no_proxy")
@pytest.mark.parametrize("route", ["slow-headers", "stall", "drip"])
def test_default_fetcher_gives_up_at_its_deadline(loopback: str, route: str) -> None:
    started = time.monotonic()
    with pytest.raises(OSError):
        fetch_cert_chain(f"{loopback}/{route}", 0.3)
    assert time.monotonic() - started < 0.9
