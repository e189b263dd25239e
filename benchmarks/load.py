"""Load: wrk against gunicorn (2 workers, verification on), this skill vs a hello-world skill.

`python -m benchmarks.load [--seconds 60]` prints throughput, p50/p99 latency and errors for
both, measured in the same run, and their throughput ratio (target >= 0.8).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import requests

from tests.skill import envelopes
from tests.skill.certs import make_pki, pem, sign

REPO = Path(__file__).resolve().parent.parent
CHAIN_PATH = "/echo.api/echo-api-cert-load.pem"
TARGETS = {
    "therapy-checkin": "benchmarks.load_server:app()",
    "hello-world": "benchmarks.load_server:hello()",
}


@dataclass(frozen=True)
class LoadResult:
    """What wrk measured for one server."""

    name: str
    """Which skill was served."""

    requests_per_s: float
    """Throughput over the whole run."""

    p50_ms: float
    """Median latency."""

    p99_ms: float
    """99th-percentile latency."""

    requests: int
    """Requests completed."""

    errors: int
    """Socket errors plus non-2xx answers."""


def _chain_server(chain: bytes) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200 if self.path == CHAIN_PATH else 404)
            self.end_headers()
            self.wfile.write(chain if self.path == CHAIN_PATH else b"")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _wrk_script(folder: Path, body: bytes) -> Path:
    """wrk posts the same signed Alexa request; the timestamp stays fresh for 150 s."""
    (folder / "body.json").write_bytes(body)
    url = f"https://s3.amazonaws.com{CHAIN_PATH}"
    script = folder / "post.lua"
    script.write_text(
        f'local f = io.open("{folder / "body.json"}", "rb")\n'
        'wrk.body = f:read("*a")\nf:close()\n'
        'wrk.method = "POST"\n'
        'wrk.headers["Content-Type"] = "application/json"\n'
        f'wrk.headers["SignatureCertChainUrl"] = "{url}"\n'
        f'wrk.headers["Signature-256"] = "{sign(body)}"\n'
    )
    return script


def _parse(name: str, output: str) -> LoadResult:
    def latency(label: str) -> float:
        match = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)", output, re.M)
        if not match:
            raise RuntimeError(f"wrk printed no {label}% latency:\n{output}")
        scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[match.group(2)]
        return float(match.group(1)) * scale

    done = re.search(r"(\d+) requests in", output)
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors += int(non_2xx.group(1)) if non_2xx else 0
    if not (done and rate):
        raise RuntimeError(f"could not read wrk's output:\n{output}")
    return LoadResult(
        name, float(rate.group(1)), latency("50"), latency("99"), int(done.group(1)), errors
    )


def _serve(target: str, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        "2",
        "--bind",
        f"127.0.0.1:{port}",
        "--no-control-socket",
        "--log-level",
        "warning",
        target,
    ]
    server = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL)
    for _ in range(300):
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).ok:
                return server
        except requests.ConnectionError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError(f"{target} did not start")


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run(seconds: int, connections: int = 8) -> list[LoadResult]:
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: run script/install-test-services (as root) first")
    pki = make_pki(datetime.now(timezone.utc))
    chain = _chain_server(pki.chain_pem())
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "root.pem").write_bytes(pem(pki.root))
        env = {
            **os.environ,
            "PYTHONPATH": str(REPO),
            "THERAPY_CHECKIN_DATA_DIR": tmp,
            "LOAD_SKILL_ID": envelopes.SKILL_ID,
            "LOAD_ROOT_PEM": str(folder / "root.pem"),
            "LOAD_CERT_ORIGIN": f"http://127.0.0.1:{chain.server_address[1]}",
        }
        for name, target in TARGETS.items():
            body = json.dumps(envelopes.intent("TherapyNotWorkingIntent")).encode()
            script = _wrk_script(folder, body)
            port = _free_port()
            server = _serve(target, port, env)
            try:
                wrk = [
                    "wrk",
                    "-t2",
                    f"-c{connections}",
                    "--latency",
                    "-s",
                    str(script),
                    f"http://127.0.0.1:{port}/alexa",
                ]
                subprocess.run([*wrk[:4], "-d2s", *wrk[4:]], capture_output=True, check=True)
                output = subprocess.run(
                    [*wrk[:4], f"-d{seconds}s", *wrk[4:]],
                    capture_output=True,
                    text=True,
                    check=True,
                ).stdout
                results.append(_parse(name, output))
            finally:
                server.terminate()
                server.wait(timeout=30)
    chain.shutdown()
    return results


def report(results: list[LoadResult], seconds: int) -> str:
    lines = [
        f"wrk, {seconds} s per server, 2 threads, 8 connections; "
        "gunicorn 2 sync workers, verification on",
        "",
        "| server | requests/s | p50 | p99 | requests | errors |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r.name} | {r.requests_per_s:.0f} | {r.p50_ms:.2f} ms | "
            f"{r.p99_ms:.2f} ms | {r.requests} | {r.errors} |"
        )
    ours, hello = results
    lines += [
        "",
        f"throughput ratio therapy-checkin / hello-world: "
        f"{ours.requests_per_s / hello.requests_per_s:.2f} (target >= 0.8)",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=60)
    args = parser.parse_args()
    results = run(args.seconds)
    print(report(results, args.seconds))
    sys.exit(1 if any(r.errors for r in results) else 0)


if __name__ == "__main__":
    main()
