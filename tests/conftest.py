"""Shared test setup: caches and progress live in per-run folders, never the user's home."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session", autouse=True)
def isolated_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One trained-model cache for the whole run: training takes seconds, loading does not."""
    cache = tmp_path_factory.mktemp("cache")
    os.environ["THERAPY_CHECKIN_CACHE_DIR"] = str(cache)
    return cache


@pytest.fixture(autouse=True)
def isolated_progress(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """A fresh progress folder per test, so no test resumes another's rehearsal."""
    data = tmp_path_factory.mktemp("data")
    monkeypatch.setenv("THERAPY_CHECKIN_DATA_DIR", str(data))
    return data
