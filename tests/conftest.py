"""Shared test setup: caches and progress live in per-run folders, never the user's home."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session", autouse=True)
def isolated_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    cache = tmp_path_factory.mktemp("cache")
    os.environ["THERAPY_CHECKIN_CACHE_DIR"] = str(cache)
    os.environ["THERAPY_CHECKIN_DATA_DIR"] = str(tmp_path_factory.mktemp("data"))
    return cache
