"""Forged requests against the REAL server: gunicorn, two workers, verification on.

test_app.py checks the same rules in-process with an injected fetch and a fixed clock. Here
everything is as deployed except what a test must control: the app comes from the test-only
factory tests/skill/forged_server.py (never shipped), which trusts a throwaway root generated
by this module and downloads chains with the production downloader from a loopback HTTP
server started here, with a 1 s timeout. The real clock is used throughout.

Each kind of forged request is one test case: it must get the expected 4xx with a JSON error,
add nothing to the log of requests that reached the skill, and be followed by a good signed
request that is answered and does reach the skill (so the server keeps serving).
"""

from __future__ import annotations

import base64
import dataclasses
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import gunicorn.config
import pytest

from skill.config import DefaultConfig
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

REPO = Path(__file__).resolve().parents[2]
UTC = timezone.utc
S3 = "https://s3.amazonaws.com"
GOOD_URL = f"{S3}/echo.api/echo-api-cert-good.pem"
DOWNLOAD_TIMEOUT_S = 1.0
SLOW_S = 3.0  # the certificate server's delay: well past the verifier's 1 s timeout
TEN_MB = 10 * 1024 * 1024


# --- the loopback certificate server ------------------------------------------------------------


@dataclass
class Served:
    """What the certificate server does for one path."""

    body: bytes = b""
    behaviour: str = "ok"  # ok | slow | drip | hangup


class CertServer(ThreadingHTTPServer):
    daemon_threads = True
    files: dict[str, Served]


class CertHandler(BaseHTTPRequestHandler):
    server: CertServer

    def do_GET(self) -> None:
        served = self.server.files.get(self.path)
        if served is None:
            self.send_error(404)
            return
        if served.behaviour == "hangup":
            self.close_connection = True
            return  # no status line at all
        if served.behaviour == "slow":
            time.sleep(SLOW_S)
        self.send_response(200)
        self.send_header("Content-Type", "application/x-pem-file")
        self.send_header("Content-Length", str(len(served.body)))
        self.end_headers()
        try:
            if served.behaviour == "drip":  # every read is fast; the whole is too slow
                for i in range(len(served.body)):
                    self.wfile.write(served.body[i : i + 1])
                    self.wfile.flush()
                    time.sleep(0.2)
            else:
                self.wfile.write(served.body)
        except OSError:
            pass  # the verifier gave up, as it should

    def log_message(self, format: str, *args: Any) -> None:
        pass


# --- the harness --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Forged:
    """One HTTP request exactly as sent: headers may repeat, the body is raw bytes."""

    body: bytes
    headers: list[tuple[str, str]]
    method: str = "POST"
    content_type: str | None = "application/json"
    chunked: bool = False


@dataclass(frozen=True)
class Answer:
    status: int
    content_type: str
    body: bytes
    elapsed_s: float

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Harness:
    port: int
    pki: Pki
    certs: CertServer
    handled_log: Path
    process: subprocess.Popen[bytes]
    server_log: Path
    good_count: int = field(default=0)

    # requests

    def send(self, forged: Forged, timeout: float = 30.0) -> Answer:
        started = time.monotonic()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.putrequest(forged.method, DefaultConfig.ENDPOINT, skip_accept_encoding=True)
            if forged.content_type is not None:
                conn.putheader("Content-Type", forged.content_type)
            for name, value in forged.headers:
                conn.putheader(name, value)
            if forged.chunked:
                conn.putheader("Transfer-Encoding", "chunked")
            else:
                conn.putheader("Content-Length", str(len(forged.body)))
            try:
                if forged.chunked:
                    conn.endheaders(_chunks(forged.body), encode_chunked=True)
                else:
                    conn.endheaders(forged.body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the server answered early (413) and stopped reading: read the answer
            response = conn.getresponse()
            body = response.read()
            content_type = response.getheader("Content-Type") or ""
            return Answer(response.status, content_type, body, time.monotonic() - started)
        finally:
            conn.close()

    def good(self) -> Forged:
        """A request Alexa could have sent: fresh, for this skill, signed by the leaf."""
        self.good_count += 1
        if self.good_count % 2:
            envelope = envelopes.launch()
        else:
            envelope = envelopes.intent("TherapyNotWorkingIntent")
        return self.signed(envelope)

    def signed(
        self,
        envelope: Envelope | bytes,
        *,
        url: str = GOOD_URL,
        signer: Any = None,
        content_type: str | None = "application/json",
    ) -> Forged:
        body = envelope if isinstance(envelope, bytes) else json.dumps(envelope).encode()
        headers = [("SignatureCertChainUrl", url), ("Signature-256", sign(body, signer))]
        return Forged(body, headers, content_type=content_type)

    def chain_url(self, name: str, body: bytes, behaviour: str = "ok") -> str:
        """Publish a chain on the loopback server under its own S3-style URL."""
        path = f"/echo.api/{name}.pem"
        self.certs.files[path] = Served(body, behaviour)
        return S3 + path

    # observation

    def handled(self) -> list[str]:
        """Lines logged by the workers for requests that reached the skill or the core."""
        if not self.handled_log.exists():
            return []
        return self.handled_log.read_text().splitlines()

    def assert_alive(self) -> None:
        assert self.process.poll() is None, self.server_log.read_text()[-4000:]


def _chunks(body: bytes, size: int = 64 * 1024) -> Iterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _no_control_socket() -> list[str]:
    """Recent gunicorn opens ~/.gunicorn/gunicorn.ctl by default, one path for every instance."""
    names = {setting.name for setting in gunicorn.config.KNOWN_SETTINGS}
    return ["--no-control-socket"] if "control_socket_disable" in names else []


def _wait_healthy(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited with {process.returncode}:\n{log.read_text()[-4000:]}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            response = conn.getresponse()
            body = response.read()
            conn.close()
            if response.status == 200:
                assert json.loads(body) == {"status": "ok", "verify": True}
                return
        except OSError:
            pass
        time.sleep(0.1)
    pytest.fail(f"gunicorn did not answer /healthz within 60 s:\n{log.read_text()[-4000:]}")


def _server_env(tmp: Path, pki: Pki, cert_port: int, dead_port: int, log: Path) -> dict[str, str]:
    """The parent's environment less any THERAPY_CHECKIN_* knob a developer may have set."""
    keep = {"THERAPY_CHECKIN_DATA_DIR", "THERAPY_CHECKIN_CACHE_DIR"}
    env = {k: v for k, v in os.environ.items() if not k.startswith("THERAPY_CHECKIN_") or k in keep}
    root_pem = tmp / "test-root.pem"
    root_pem.write_bytes(pem(pki.root))
    env.update(
        PYTHONPATH=str(REPO),
        THERAPY_CHECKIN_DATA_DIR=str(tmp / "data"),
        FORGED_SERVER_SKILL_ID=SKILL_ID,
        FORGED_SERVER_ROOT_PEM=str(root_pem),
        FORGED_SERVER_CERT_ORIGIN=f"http://127.0.0.1:{cert_port}",
        FORGED_SERVER_DEAD_ORIGIN=f"http://127.0.0.1:{dead_port}",
        FORGED_SERVER_DOWNLOAD_TIMEOUT=str(DOWNLOAD_TIMEOUT_S),
        FORGED_SERVER_HANDLED_LOG=str(log),
    )
    return env


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    tmp = tmp_path_factory.mktemp("forged")
    pki = make_pki(datetime.now(UTC))

    certs = CertServer(("127.0.0.1", 0), CertHandler)
    certs.files = {"/echo.api/echo-api-cert-good.pem": Served(pki.chain_pem())}
    cert_thread = threading.Thread(target=certs.serve_forever, daemon=True)
    cert_thread.start()
    # Bound but never listening: connecting to it is refused, like an unreachable host.
    dead = socket.socket()
    dead.bind(("127.0.0.1", 0))

    handled_log = tmp / "handled.log"
    server_log = tmp / "gunicorn.log"
    env = _server_env(tmp, pki, certs.server_address[1], dead.getsockname()[1], handled_log)
    process: subprocess.Popen[bytes] | None = None
    port = 0
    with server_log.open("wb") as log_file:
        for _attempt in range(3):  # a free port can be taken between probe and bind
            port = _free_port()
            command = [sys.executable, "-m", "gunicorn", "--workers", "2",
                       "--bind", f"127.0.0.1:{port}", "--graceful-timeout", "5",
                       *_no_control_socket(), "tests.skill.forged_server:app()"]  # fmt: skip
            process = subprocess.Popen(
                command, cwd=REPO, env=env, stdout=log_file, stderr=subprocess.STDOUT
            )
            time.sleep(0.3)
            if process.poll() is None:
                break
    assert process is not None
    try:
        _wait_healthy(port, process, server_log)
        yield Harness(port, pki, certs, handled_log, process, server_log)
    finally:
        process.send_signal(signal.SIGTERM)  # gunicorn's graceful stop
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        certs.shutdown()
        certs.server_close()
        dead.close()


# --- the kinds of forged request ----------------------------------------------------------------

Build = Callable[[Harness], Forged]


@dataclass(frozen=True)
class Kind:
    build: Build
    status: int = 400
    #: Text the JSON error must contain: the verifier's reason, or the app's message.
    error: str = "malformed request envelope"


def expect(error: str, kinds: dict[str, Kind]) -> dict[str, Kind]:
    return {name: dataclasses.replace(kind, error=error) for name, kind in kinds.items()}


def bad_url(url: str) -> Kind:
    """The loopback server would serve a valid chain: only the URL rule can refuse these."""
    return Kind(lambda h: h.signed(envelopes.launch(), url=url))


def with_headers(headers: Callable[[Forged], list[tuple[str, str]]]) -> Kind:
    def build(h: Harness) -> Forged:
        good = h.signed(envelopes.launch())
        return Forged(good.body, headers(good))

    return Kind(build)


def signature_replaced(value: Callable[[Forged], str]) -> Kind:
    return with_headers(lambda good: [good.headers[0], ("Signature-256", value(good))])


def bad_chain(make: Callable[[Pki, datetime], bytes], behaviour: str = "ok") -> Kind:
    """A request signed by key('leaf'), its chain published under a URL of its own."""

    def build(h: Harness) -> Forged:
        name = f"chain-{id(make)}-{time.monotonic_ns()}"
        url = h.chain_url(name, make(h.pki, datetime.now(UTC)), behaviour)
        return h.signed(envelopes.launch(), url=url)

    return Kind(build)


def signed_envelope(change: Callable[[Envelope], Any]) -> Kind:
    """A correctly signed request whose envelope is wrong in one way."""

    def build(h: Harness) -> Forged:
        envelope = envelopes.intent("TherapyNotWorkingIntent")
        change(envelope)
        return h.signed(envelope)

    return Kind(build)


def signed_body(body: bytes) -> Kind:
    return Kind(lambda h: h.signed(body))


def at_offset(seconds: float) -> Kind:
    return Kind(
        lambda h: h.signed(
            envelopes.launch(timestamp=datetime.now(UTC) + timedelta(seconds=seconds))
        )
    )


def other_method(method: str) -> Kind:
    def build(h: Harness) -> Forged:
        good = h.signed(envelopes.launch())
        return Forged(good.body, good.headers, method=method)

    return Kind(build, 405)


def _leaf(pki: Pki, now: datetime, **changes: Any) -> bytes:
    return pki.chain_pem(make_leaf(pki.intermediate, pki.intermediate_key, now=now, **changes))


def _rogue(now: datetime, *, with_root: bool) -> bytes:
    root = make_ca("Rogue Root", key("rogue-root"), now=now)
    intermediate = make_ca(
        "Rogue Intermediate", key("rogue-intermediate"), now=now,
        issuer=root, issuer_key=key("rogue-root"),
    )  # fmt: skip
    leaf = make_leaf(intermediate, key("rogue-intermediate"), now=now)
    return pem(leaf, intermediate, root) if with_root else pem(leaf, intermediate)


def _expired_intermediate(pki: Pki, now: datetime) -> bytes:
    intermediate = make_ca(
        "Expired Intermediate", key("old-intermediate"), now=now,
        issuer=pki.root, issuer_key=key("root"), not_after=now - timedelta(days=1),
    )  # fmt: skip
    return pem(make_leaf(intermediate, key("old-intermediate"), now=now), intermediate)


def _issued_by_a_leaf(pki: Pki, now: datetime) -> bytes:
    """A non-CA certificate from the trusted intermediate, posing as the leaf's issuer."""
    fake_ca = make_leaf(pki.intermediate, pki.intermediate_key, now=now, subject_key=key("mid"))
    leaf = make_leaf(fake_ca, key("mid"), now=now)
    return pem(leaf, fake_ca, pki.intermediate)


def _dropped(path: tuple[str, ...]) -> Callable[[Envelope], None]:
    def change(envelope: Envelope) -> None:
        *parents, last = path
        for name in parents:
            envelope = envelope[name]
        del envelope[last]

    return change


def _set(path: tuple[str, ...], value: Any) -> Callable[[Envelope], None]:
    def change(envelope: Envelope) -> None:
        *parents, last = path
        for name in parents:
            envelope = envelope[name]
        envelope[last] = value

    return change


def _tampered(h: Harness) -> Forged:
    good = h.signed(envelopes.launch())
    return Forged(good.body.replace(b'"en-GB"', b'"en-US"'), good.headers)


def _ten_megabytes(h: Harness) -> Forged:
    envelope = envelopes.intent("AMAZON.FallbackIntent")
    envelope["session"]["attributes"] = {"padding": "x" * TEN_MB}
    return h.signed(envelope)


def _chunked_ten_megabytes(h: Harness) -> Forged:
    """No Content-Length to refuse up front: the size cap must trip while reading."""
    forged = _ten_megabytes(h)
    return Forged(forged.body, forged.headers, chunked=True)


def _naive_timestamp(envelope: Envelope) -> None:
    """Now, but with no offset: ambiguous, so refused even though it is fresh."""
    envelope["request"]["timestamp"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def _app_ids(value: str | None) -> Callable[[Envelope], None]:
    def change(envelope: Envelope) -> None:
        for holder in (envelope["context"]["System"], envelope["session"]):
            if value is None:
                del holder["application"]
            else:
                holder["application"]["applicationId"] = value

    return change


ECHO = "/echo.api/echo-api-cert-good.pem"

VERIFY = "request failed verification: "

KINDS: dict[str, Kind] = {
    # SignatureCertChainUrl: every form Amazon's rules refuse
    **expect(VERIFY + "cert_url", {
        "url-http": bad_url(f"http://s3.amazonaws.com{ECHO}"),
        "url-other-host": bad_url(f"https://notamazon.com{ECHO}"),
        "url-host-suffix": bad_url(f"https://s3.amazonaws.com.evil.example{ECHO}"),
        "url-host-prefix": bad_url(f"https://evil-s3.amazonaws.com{ECHO}"),
        "url-ip-host": bad_url(f"https://52.216.0.1{ECHO}"),
        "url-port-563": bad_url(f"https://s3.amazonaws.com:563{ECHO}"),
        "url-port-80": bad_url(f"https://s3.amazonaws.com:80{ECHO}"),
        "url-path-outside": bad_url(f"{S3}/invalid.path/echo-api-cert-good.pem"),
        "url-path-no-slash": bad_url(f"{S3}/echo.apis/echo-api-cert-good.pem"),
        "url-path-root": bad_url(S3),
        "url-dot-dot": bad_url(f"{S3}/echo.api/../echo-api-cert-good.pem"),
        "url-encoded-dot-dot": bad_url(f"{S3}/echo.api/%2e%2e/echo-api-cert-good.pem"),
        "url-encoded-slash": bad_url(f"{S3}/echo.api%2F..%2Fecho-api-cert-good.pem"),
        "url-double-slash": bad_url(f"{S3}//echo.api/echo-api-cert-good.pem"),
        "url-path-case": bad_url(f"{S3}/EcHo.aPi/echo-api-cert-good.pem"),
        "url-userinfo": bad_url(f"https://alexa@s3.amazonaws.com{ECHO}"),
        "url-userinfo-password": bad_url(f"https://alexa:secret@s3.amazonaws.com{ECHO}"),
        "url-userinfo-backslash": bad_url(f"https://evil.example\\@s3.amazonaws.com{ECHO}"),
        "url-query": bad_url(f"{S3}{ECHO}?versionId=1"),
        "url-fragment": bad_url(f"{S3}{ECHO}#x"),
        "url-not-a-url": bad_url("https://[::1"),
    }),
    # signature headers missing, empty or legacy
    **expect(VERIFY + "headers", {
        "header-no-signature": with_headers(lambda good: [good.headers[0]]),
        "header-no-cert-url": with_headers(lambda good: [good.headers[1]]),
        "header-neither": with_headers(lambda good: []),
        "header-empty-signature": with_headers(
            lambda good: [good.headers[0], ("Signature-256", "")]
        ),
        "header-empty-cert-url": with_headers(
            lambda good: [("SignatureCertChainUrl", ""), good.headers[1]]
        ),
        "header-blank-signature": with_headers(
            lambda good: [good.headers[0], ("Signature-256", "   ")]
        ),
        "header-legacy-sha1-only": with_headers(
            lambda good: [good.headers[0], ("Signature", good.headers[1][1])]
        ),
    }),
    # the signature itself
    **expect(VERIFY + "signature", {
        # gunicorn joins repeated headers with a comma, which is not base64
        "header-duplicate-signature": with_headers(
            lambda good: [*good.headers, ("Signature-256", sign(b"{}"))]
        ),
        "signature-bad-base64": signature_replaced(lambda good: "not*base64!"),
        "signature-base64-of-junk": signature_replaced(
            lambda good: base64.b64encode(b"\0" * 256).decode()
        ),
        "signature-truncated": signature_replaced(lambda good: good.headers[1][1][:-8]),
        "signature-other-body": signature_replaced(lambda good: sign(good.body + b" ")),
        "signature-other-key": Kind(
            lambda h: h.signed(envelopes.launch(), signer=key("intruder"))
        ),
        "signature-tampered-body": Kind(_tampered),
    }),
    # the certificate chain
    **expect(VERIFY + "chain", {
        "chain-expired-leaf": bad_chain(
            lambda pki, now: _leaf(
                pki, now, not_before=now - timedelta(days=60), not_after=now - timedelta(seconds=5)
            )
        ),
        "chain-not-yet-valid-leaf": bad_chain(
            lambda pki, now: _leaf(
                pki, now, not_before=now + timedelta(minutes=5), not_after=now + timedelta(days=60)
            )
        ),
        "chain-wrong-san": bad_chain(
            lambda pki, now: _leaf(pki, now, sans=("echo-api.amazon.co.uk",))
        ),
        "chain-wildcard-san": bad_chain(lambda pki, now: _leaf(pki, now, sans=("*.amazon.com",))),
        "chain-no-san": bad_chain(lambda pki, now: _leaf(pki, now, sans=())),
        "chain-no-digital-signature": bad_chain(lambda pki, now: _leaf(pki, now, key_usage=False)),
        "chain-self-signed": bad_chain(lambda pki, now: pem(make_self_signed_leaf(now))),
        "chain-untrusted-intermediate": bad_chain(lambda pki, now: _rogue(now, with_root=False)),
        "chain-untrusted-root-included": bad_chain(lambda pki, now: _rogue(now, with_root=True)),
        "chain-missing-intermediate": bad_chain(lambda pki, now: pem(pki.leaf)),
        "chain-expired-intermediate": bad_chain(_expired_intermediate),
        "chain-issuer-not-a-ca": bad_chain(_issued_by_a_leaf),
        "chain-not-pem": bad_chain(lambda pki, now: b"not a certificate\n" * 4),
    }),
    # the download: real HTTP from the loopback server, real 1 s timeout
    **expect(VERIFY + "cert_download", {
        "chain-empty": bad_chain(lambda pki, now: b""),
        "chain-over-64k": bad_chain(lambda pki, now: pki.chain_pem() + b"\n" * (64 * 1024)),
        "download-404": Kind(
            lambda h: h.signed(envelopes.launch(), url=f"{S3}/echo.api/nothing.pem")
        ),
        "download-unreachable": Kind(
            lambda h: h.signed(envelopes.launch(), url=f"{S3}/echo.api/unreachable/cert.pem")
        ),
        "download-slow": bad_chain(lambda pki, now: pki.chain_pem(), behaviour="slow"),
        "download-drip": bad_chain(lambda pki, now: pki.chain_pem(), behaviour="drip"),
        "download-hangup": bad_chain(lambda pki, now: pki.chain_pem(), behaviour="hangup"),
    }),
    # request.timestamp (the verifier reads it before anything else in the body)
    **expect(VERIFY + "timestamp", {
        "timestamp-stale": at_offset(-200),
        "timestamp-future": at_offset(200),
        "timestamp-missing": signed_envelope(_dropped(("request", "timestamp"))),
        "timestamp-garbage": signed_envelope(_set(("request", "timestamp"), "yesterday")),
        "timestamp-no-offset": signed_envelope(_naive_timestamp),
        "timestamp-number": signed_envelope(_set(("request", "timestamp"), 1717243200)),
        "envelope-no-request": signed_envelope(_dropped(("request",))),
        "envelope-request-string": signed_envelope(_set(("request",), "IntentRequest")),
        "body-json-array": Kind(lambda h: h.signed(json.dumps([envelopes.launch()]).encode())),
    }),
    # application id
    **expect(VERIFY + "application_id", {
        "app-id-other-skill": signed_envelope(_app_ids(OTHER_SKILL_ID)),
        "app-id-missing": signed_envelope(_app_ids(None)),
        "app-id-context-wrong-session-right": signed_envelope(
            _set(("context", "System", "application", "applicationId"), OTHER_SKILL_ID)
        ),
    }),
    # correctly signed, fresh, for this skill, but not an envelope the skill can answer
    **expect("malformed request envelope", {
        "envelope-no-session": signed_envelope(_dropped(("session",))),
        "envelope-intent-list": signed_envelope(
            _set(("request", "intent"), ["TherapyNotWorkingIntent"])
        ),
        "envelope-attributes-string": signed_envelope(_set(("session", "attributes"), "rate=90")),
        "envelope-session-string": signed_envelope(_set(("session",), "session")),
        "envelope-slots-list": signed_envelope(_set(("request", "intent", "slots"), ["format"])),
        "envelope-unknown-type": signed_envelope(_set(("request", "type"), "Messaging.Message")),
        "envelope-no-version": signed_envelope(_dropped(("version",))),
        "body-not-json": signed_body(b"version=1.0&request=LaunchRequest"),
        "body-truncated-json": Kind(
            lambda h: h.signed(json.dumps(envelopes.launch()).encode()[:-2])
        ),
        "body-not-utf8": Kind(
            lambda h: h.signed(
                json.dumps(envelopes.launch()).encode().replace(b"en-GB", b"en-\xff")
            )
        ),
        "body-empty": signed_body(b""),
    }),
    # HTTP
    **expect("exceeds the capacity limit", {
        "http-10mb-body": Kind(_ten_megabytes, 413),
        "http-10mb-chunked-body": Kind(_chunked_ten_megabytes, 413),
    }),
    **expect("method is not allowed", {
        "http-get": other_method("GET"),
        "http-put": other_method("PUT"),
        "http-delete": other_method("DELETE"),
        "http-patch": other_method("PATCH"),
    }),
}  # fmt: skip

MIN_KINDS = 30


# --- tests --------------------------------------------------------------------------------------


def test_there_are_at_least_30_kinds_of_forged_request() -> None:
    print(f"\n{len(KINDS)} kinds of forged request")
    assert len(KINDS) >= MIN_KINDS


def test_good_signed_request_is_answered(server: Harness) -> None:
    before = len(server.handled())
    answer = server.send(server.good())
    assert answer.status == 200, answer.body
    assert answer.json()["response"]["outputSpeech"]["ssml"].startswith("<speak>")
    assert len(server.handled()) == before + 2  # invoke + respond


@pytest.mark.parametrize("kind", list(KINDS))
def test_forged_request_is_refused_and_the_server_keeps_serving(server: Harness, kind: str) -> None:
    expected = KINDS[kind]
    forged = expected.build(server)
    before = server.handled()

    answer = server.send(forged)

    assert answer.status == expected.status, (answer.status, answer.body[:300])
    assert answer.content_type.startswith("application/json")
    assert expected.error in answer.json()["error"]
    assert answer.elapsed_s < SLOW_S - 0.5, "a forged request held a worker too long"
    assert server.handled() == before, "a forged request reached the skill"

    good = server.send(server.good())
    assert good.status == 200, good.body[:300]
    assert len(server.handled()) == len(before) + 2
    server.assert_alive()


def test_text_plain_signed_request_is_answered(server: Harness) -> None:
    """Chosen behaviour: Content-Type is not checked, so a correctly signed body is answered.

    Alexa always sends application/json, but the content type carries no authority: the
    signature over the exact bytes, the chain, the timestamp and the application id decide,
    and the body is parsed as JSON whatever it is labelled. Refusing other labels would add
    no security, and a proxy that rewrites the header (or adds a charset) would break the
    skill. An unsigned text/plain body is refused like any other unsigned body.
    """
    before = len(server.handled())
    body = json.dumps(envelopes.launch()).encode()
    signed = server.signed(body, content_type="text/plain")
    assert server.send(signed).status == 200
    assert len(server.handled()) == before + 2
    unsigned = server.send(Forged(body, [], content_type="text/plain"))
    assert unsigned.status == 400
    assert len(server.handled()) == before + 2


def test_scheme_and_host_case_are_accepted_as_amazon_allows(server: Harness) -> None:
    """Amazon: scheme and host are case-insensitive, the path is not."""
    before = len(server.handled())
    forged = server.signed(envelopes.launch(), url=f"HTTPS://S3.AmazonAWS.com{ECHO}")
    answer = server.send(forged)
    assert answer.status == 200, answer.body
    assert len(server.handled()) == before + 2


def test_server_still_serves_a_burst_of_good_requests(server: Harness) -> None:
    """After every forged kind, the workers still answer, concurrently, and both served."""
    before = len(server.handled())
    requests = [server.good() for _ in range(12)]
    results: list[int] = []
    lock = threading.Lock()

    def send(forged: Forged) -> None:
        status = server.send(forged).status
        with lock:
            results.append(status)

    threads = [threading.Thread(target=send, args=(forged,)) for forged in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert results == [200] * len(requests)
    assert len(server.handled()) == before + 2 * len(requests)
    workers = {line.split()[0] for line in server.handled()}
    assert len(workers) == 2, workers
    server.assert_alive()


def test_production_code_cannot_reach_the_test_only_trust_setting() -> None:
    """The throwaway CA is trusted only through tests/skill/forged_server.py."""
    for path in [*(REPO / "skill").rglob("*.py"), *(REPO / "therapy_checkin").rglob("*.py")]:
        text = path.read_text(encoding="utf-8")
        assert "FORGED_SERVER_" not in text and "forged_server" not in text, path
    tomllib = pytest.importorskip("tomllib")
    setuptools = pytest.importorskip("setuptools")
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    include = config["tool"]["setuptools"]["packages"]["find"]["include"]
    shipped = setuptools.find_packages(where=str(REPO), include=include)
    assert "skill" in shipped
    assert not [name for name in shipped if name.split(".")[0] == "tests"], shipped
