"""Real servers for end-to-end tests: dynalite (DynamoDB-compatible, npm) and the skill server.

dynalite is installed into .ci/node by script/install-test-services; `dynalite_command` runs
that script if it has not run yet, and skips only when Node.js or npm is missing.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import pytest
import requests

REPO = Path(__file__).resolve().parents[2]
DYNALITE_CLI = REPO / ".ci" / "node" / "node_modules" / "dynalite" / "cli.js"
INSTALL = REPO / "script" / "install-test-services"
#: Credentials boto3 needs to sign requests; dynalite accepts any. Never real ones.
DUMMY_AWS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_EC2_METADATA_DISABLED": "true",
}
_REAL_AWS = ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def dynalite_command() -> list[str]:
    """`node .../dynalite/cli.js`, installing it first if needed; skips without Node.js."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("Node.js and npm are not installed; the DynamoDB tests need dynalite (npm)")
    if not DYNALITE_CLI.exists():
        subprocess.run([str(INSTALL)], check=True, timeout=300)
    return [node, str(DYNALITE_CLI)]


def aws_environment(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """`base` (default: os.environ) with dummy credentials and no real AWS profile."""
    env = {k: v for k, v in (base or os.environ).items() if k not in _REAL_AWS}
    return {**env, **DUMMY_AWS}


class Process:
    """A server process; stderr goes to a temporary file (a pipe nobody reads could fill)."""

    def __init__(self, command: list[str], what: str, **options: Any) -> None:
        self.what = what
        self._errors: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 (closed in stop)
        self.popen = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=self._errors, **options
        )

    def errors(self) -> str:
        """What it has written to stderr so far (the end of it)."""
        self._errors.seek(0)
        return self._errors.read().decode(errors="replace")[-3000:]

    def wait_for_port(self, port: int) -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                raise AssertionError(
                    f"{self.what} exited with {self.popen.returncode}: {self.errors()}"
                )
            with socket.socket() as probe:
                probe.settimeout(0.2)
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    return
            time.sleep(0.05)
        raise AssertionError(f"{self.what} did not listen on port {port}: {self.errors()}")

    def stop(self, kill: bool = False) -> None:
        if self.popen.poll() is None:
            if kill:
                self.popen.kill()
            else:
                self.popen.terminate()
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=5)
        self._errors.close()


class Dynalite:
    """An in-memory dynalite on a free loopback port. Tables are ACTIVE as soon as they are
    created, unless `create_table_ms` delays it (as real DynamoDB does)."""

    def __init__(self, create_table_ms: int = 0) -> None:
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        command = [*dynalite_command(), "--host", "127.0.0.1", "--port", str(self.port),
                   "--createTableMs", str(create_table_ms)]  # fmt: skip
        self.process = Process(command, "dynalite")
        try:
            self.process.wait_for_port(self.port)
        except BaseException:
            self.process.stop()
            raise

    def stop(self) -> None:
        """Kill the database, as an outage would."""
        self.process.stop(kill=True)


@contextmanager
def skill_server(env: Mapping[str, str], workers: int = 1) -> Iterator[str]:
    """`therapy-checkin serve --no-verify` (gunicorn) in its own process; yields its base URL."""
    port = free_port()
    command = [sys.executable, "-m", "therapy_checkin", "serve", "--port", str(port),
               "--workers", str(workers), "--no-verify"]  # fmt: skip
    server = Process(command, "the skill server", env=dict(env), cwd=REPO)
    base = f"http://127.0.0.1:{port}"
    try:
        server.wait_for_port(port)
        deadline = time.monotonic() + 20
        while not _healthy(base):
            if time.monotonic() > deadline or server.popen.poll() is not None:
                raise AssertionError(f"the skill server is not healthy: {server.errors()}")
            time.sleep(0.1)
        yield base
    finally:
        server.stop()


def _healthy(base: str) -> bool:
    try:
        return requests.get(f"{base}/healthz", timeout=1).ok
    except requests.ConnectionError:
        return False
