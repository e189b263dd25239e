"""Time the Alexa adapter: `python -m skill.benchmark [--requests 2000]`.

Prints the median and p99 time of one typical turn (TherapyNotWorkingIntent) answered by
``skill.invoke`` in-process, then the same turn posted through the Flask test client with
verification off (JSON parsing, envelope checks, deserialising, invoking and serialising),
and the ratio between the two. Each is warmed up first; nothing touches the network.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import RequestEnvelope

from skill.app import create_app
from skill.builder import build_skill

SKILL_ID = "amzn1.ask.skill.00000000-0000-0000-0000-000000000000"


def envelope(intent: str, locale: str) -> dict[str, Any]:
    """An IntentRequest shaped like Alexa's, in the middle of a session."""
    application = {"applicationId": SKILL_ID}
    user = {"userId": "amzn1.ask.account.BENCHMARK"}
    return {
        "version": "1.0",
        "session": {
            "new": False,
            "sessionId": "amzn1.echo-api.session.benchmark",
            "application": application,
            "attributes": {},
            "user": user,
        },
        "context": {
            "System": {
                "application": application,
                "user": user,
                "device": {"deviceId": "amzn1.ask.device.BENCHMARK", "supportedInterfaces": {}},
            }
        },
        "request": {
            "type": "IntentRequest",
            "requestId": "amzn1.echo-api.request.benchmark",
            "timestamp": "2024-06-01T12:00:00Z",
            "locale": locale,
            "intent": {"name": intent, "confirmationStatus": "NONE", "slots": {}},
        },
    }


def time_calls(call: Callable[[], object], requests: int, warmup: int) -> list[float]:
    """Milliseconds per call, sorted, after ``warmup`` untimed calls."""
    for _ in range(warmup):
        call()
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        call()
        timings.append((time.perf_counter() - started) * 1000)
    return sorted(timings)


def percentile(sorted_ms: list[float], fraction: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    return sorted_ms[min(len(sorted_ms) - 1, int(fraction * len(sorted_ms)))]


def invoke_call(body: str) -> Callable[[], object]:
    skill = build_skill()
    request_envelope = DefaultSerializer().deserialize(body, RequestEnvelope)

    def call() -> object:
        return skill.invoke(request_envelope=request_envelope, context=None)

    return call


def flask_call(body: str) -> Callable[[], object]:
    client = create_app({"VERIFY": False, "SKILL_ID": SKILL_ID}).test_client()
    data = body.encode()

    def call() -> object:
        response = client.post("/alexa", data=data, content_type="application/json")
        if response.status_code != 200:
            raise RuntimeError(f"the endpoint answered HTTP {response.status_code}")
        return response

    return call


def report(label: str, sorted_ms: list[float]) -> float:
    median = statistics.median(sorted_ms)
    print(f"{label:28s} median {median:7.3f} ms   p99 {percentile(sorted_ms, 0.99):7.3f} ms")
    return median


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="timed requests per path")
    parser.add_argument("--warmup", type=int, default=200, help="untimed requests first")
    parser.add_argument("--intent", default="TherapyNotWorkingIntent")
    parser.add_argument("--locale", default="en-GB", choices=["en-GB", "en-US"])
    args = parser.parse_args(argv)
    if args.requests < 1 or args.warmup < 0:
        parser.error("--requests must be at least 1 and --warmup not negative")
    body = json.dumps(envelope(args.intent, args.locale))
    print(f"{args.intent} ({args.locale}), {args.requests} requests after {args.warmup} warm-up")
    direct = report(
        "skill.invoke (in-process)", time_calls(invoke_call(body), args.requests, args.warmup)
    )
    served = report(
        "Flask test client, no verify", time_calls(flask_call(body), args.requests, args.warmup)
    )
    print(f"ratio Flask / invoke         {served / direct:7.2f} x (medians)")


if __name__ == "__main__":
    main()
