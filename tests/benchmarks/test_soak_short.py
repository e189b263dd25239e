"""The soak benchmark, shortened for CI: 100 spoken turns in one offline session."""

from __future__ import annotations

from benchmarks.soak import run


def test_a_hundred_spoken_turns_without_failure_or_memory_growth() -> None:
    result = run(turns=100)
    print(f"growth {100 * result.growth:+.1f}%, {result.seconds:.0f} s")
    assert result.failures == 0 and result.turns == 100
    assert result.growth <= 0.10
