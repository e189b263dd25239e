"""The load benchmark, shortened for CI: 5 s per server, and no request may fail."""

from __future__ import annotations

import shutil

import pytest

from benchmarks.load import report, run


@pytest.mark.skipif(
    not shutil.which("wrk"), reason="wrk not installed (script/install-test-services)"
)
def test_five_seconds_of_load_on_both_servers_without_a_single_error() -> None:
    results = run(seconds=5)
    print(report(results, 5))
    assert [r.name for r in results] == ["therapy-checkin", "hello-world"]
    assert all(r.requests > 0 and r.errors == 0 for r in results)
