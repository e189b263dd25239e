"""TEST-ONLY WSGI entry point: the real app, verification on, trusting a throwaway CA.

Never shipped (``tests`` is not a package in the distribution) and never imported by
``skill/``. Production's `skill.server` calls ``create_app()``, which always trusts the
certifi roots; only this factory passes ``trust_roots``, and it refuses to start unless
the test that launched gunicorn gave it every ``FORGED_SERVER_*`` variable below:

- ``FORGED_SERVER_SKILL_ID``: the skill id the verifier demands.
- ``FORGED_SERVER_ROOT_PEM``: path of the throwaway root certificate (PEM) to trust.
- ``FORGED_SERVER_CERT_ORIGIN``: ``http://127.0.0.1:PORT`` of the test's certificate server;
  ``https://s3.amazonaws.com/echo.api/NAME`` is downloaded from ``ORIGIN/echo.api/NAME``
  with the production downloader (`fetch_cert_chain`), so downloads are real HTTP with the
  real timeout and size cap.
- ``FORGED_SERVER_DEAD_ORIGIN``: where ``/echo.api/unreachable/...`` goes (nothing listens).
- ``FORGED_SERVER_DOWNLOAD_TIMEOUT``: the verifier's download timeout in seconds.
- ``FORGED_SERVER_HANDLED_LOG``: a file that gets one line per request that reached the
  skill (``PID invoke <request type>``) and one per turn that reached the core
  (``PID respond <intent>``); a rejected request must add nothing. Lines are appended with
  O_APPEND, so the gunicorn workers can share the file.

Run as ``python -m gunicorn --workers 2 --bind 127.0.0.1:PORT 'tests.skill.forged_server:app()'``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ask_sdk_core.skill import CustomSkill
from cryptography import x509
from flask import Flask

import skill.handlers
from skill.app import create_app
from skill.verification import (
    CERT_URL_HOST,
    RequestVerifier,
    VerifierSettings,
    fetch_cert_chain,
)

ENV = "FORGED_SERVER_"
UNREACHABLE_PREFIX = "/echo.api/unreachable/"


def _setting(name: str) -> str:
    value = os.environ.get(ENV + name, "")
    if not value:
        raise RuntimeError(f"{ENV}{name} is not set: this entry point is for tests only")
    return value


def loopback_fetch(origin: str, dead_origin: str) -> Callable[[str, float], bytes]:
    """The production downloader, pointed at the test's loopback server instead of S3."""

    def fetch(url: str, timeout: float) -> bytes:
        parts = urlsplit(url)
        # The verifier only ever hands over URLs that passed check_cert_url; anything else
        # reaching here would be a verifier bug, so fail the download loudly.
        if parts.scheme != "https" or parts.netloc != CERT_URL_HOST or parts.query:
            raise OSError(f"forged_server: refusing to fetch {url!r}")
        base = dead_origin if parts.path.startswith(UNREACHABLE_PREFIX) else origin
        return fetch_cert_chain(base + parts.path, timeout)

    return fetch


def _record(log_path: Path, line: str) -> None:
    fd = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, f"{os.getpid()} {line}\n".encode())
    finally:
        os.close(fd)


def _count_handled(log_path: Path) -> None:
    """Spy on both doors into the skill, in this worker process only."""
    real_respond = skill.handlers.respond
    real_invoke = CustomSkill.invoke

    def respond(turn: Any) -> Any:
        _record(log_path, f"respond {turn.intent}")
        return real_respond(turn)

    def invoke(self: CustomSkill, request_envelope: Any, context: Any) -> Any:
        kind = getattr(getattr(request_envelope, "request", None), "object_type", "?")
        _record(log_path, f"invoke {kind}")
        return real_invoke(self, request_envelope, context)

    skill.handlers.respond = respond
    CustomSkill.invoke = invoke  # type: ignore[method-assign]


def app() -> Flask:
    """gunicorn's factory: ``'tests.skill.forged_server:app()'``."""
    skill_id = _setting("SKILL_ID")
    root = x509.load_pem_x509_certificate(Path(_setting("ROOT_PEM")).read_bytes())
    settings = VerifierSettings(
        skill_id=skill_id, download_timeout_s=float(_setting("DOWNLOAD_TIMEOUT"))
    )
    verifier = RequestVerifier(
        settings,
        trust_roots=[root],
        fetch=loopback_fetch(_setting("CERT_ORIGIN"), _setting("DEAD_ORIGIN")),
    )
    _count_handled(Path(_setting("HANDLED_LOG")))
    return create_app({"VERIFY": True, "SKILL_ID": skill_id}, verifier=verifier)
