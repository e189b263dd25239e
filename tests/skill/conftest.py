"""Fixtures shared by the skill tests."""

from __future__ import annotations

from typing import Any

import pytest

import skill.handlers


@pytest.fixture
def handled(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Intents that reached the core; a rejected request must leave this empty."""
    calls: list[str] = []
    real = skill.handlers.respond

    def spy(turn: Any) -> Any:
        calls.append(turn.intent)
        return real(turn)

    monkeypatch.setattr(skill.handlers, "respond", spy)
    return calls
