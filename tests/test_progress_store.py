"""The progress store: where a rehearsal stopped, kept safely between conversations.

Read as a specification: it keeps small progress dicts by key, merges updates atomically even
across worker processes, survives a killed writer, refuses anything that is not progress
(so no user text can reach the disk), and explains every unusable file in words a user can act on.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from intents.progress_store import (
    DATA_DIR_ENV,
    FILE_NAME,
    PROGRESS_FIELDS,
    SCHEMA_VERSION,
    ProgressStore,
    ProgressStoreError,
    default_path,
)

KEY = "local:tester"
ALEXA_ID = "amzn1.ask.account." + "A" * 280  # real ids are a few hundred characters long
LETTER = "Dear Dr Smith, I feel my therapy isn't helping and I dread our sessions"
# fork, as gunicorn starts its workers; spawn where there is no fork.
CTX = (
    multiprocessing.get_context("fork")
    if "fork" in multiprocessing.get_all_start_methods()
    else multiprocessing.get_context("spawn")
)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "data" / FILE_NAME


@pytest.fixture
def store(path: Path) -> ProgressStore:
    return ProgressStore(path)


def raw(path: Path) -> sqlite3.Connection:
    """A plain SQLite connection, to look at the file the way another tool would."""
    return sqlite3.connect(path, isolation_level=None)


# --- where the file lives -------------------------------------------------------------------


def test_default_file_is_in_the_users_data_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    assert default_path().name == FILE_NAME
    assert "therapy-checkin" in str(default_path())


def test_data_dir_environment_variable_moves_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "elsewhere"))
    store = ProgressStore()
    store.save(KEY, {"step": 1})
    assert store.path == tmp_path / "elsewhere" / FILE_NAME
    assert store.path.is_file()


def test_constructor_path_wins_over_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "ignored"))
    assert ProgressStore(tmp_path / "mine.sqlite3").path == tmp_path / "mine.sqlite3"


def test_nothing_touches_the_disk_until_first_use(path: Path) -> None:
    ProgressStore(path)
    assert not path.parent.exists()


# --- keeping progress -----------------------------------------------------------------------


def test_saved_progress_round_trips(store: ProgressStore) -> None:
    progress = {"script": "ask_for_change", "step": 3, "rate": 85, "finished": False}
    store.save(KEY, progress)
    assert store.load(KEY) == progress
    assert ProgressStore(store.path).load(KEY) == progress  # a fresh instance sees it too


def test_unknown_key_loads_as_empty(store: ProgressStore) -> None:
    assert store.load("local:nobody") == {}


def test_save_replaces_the_whole_record(store: ProgressStore) -> None:
    store.save(KEY, {"script": "first", "step": 4})
    store.save(KEY, {"script": "second"})
    assert store.load(KEY) == {"script": "second"}


def test_update_merges_into_what_is_saved(store: ProgressStore) -> None:
    store.save(KEY, {"script": "ask_for_change", "step": 3})
    assert store.update(KEY, {"step": 4, "rate": 90}) == {
        "script": "ask_for_change",
        "step": 4,
        "rate": 90,
    }
    assert store.load(KEY) == {"script": "ask_for_change", "step": 4, "rate": 90}


def test_update_of_an_unknown_key_starts_from_empty(store: ProgressStore) -> None:
    assert store.update(KEY, {"finished": True}) == {"finished": True}


def test_update_can_read_modify_write(store: ProgressStore) -> None:
    store.save(KEY, {"step": 7})
    assert store.update(KEY, lambda now: {"step": now["step"] + 1}) == {"step": 8}


def test_delete_forgets_one_key_only(store: ProgressStore) -> None:
    store.save(KEY, {"step": 2})
    store.save("local:other", {"step": 5})
    store.delete(KEY)
    store.delete(KEY)  # deleting what is not there is fine
    assert store.load(KEY) == {}
    assert store.load("local:other") == {"step": 5}


def test_long_alexa_ids_are_keys(store: ProgressStore) -> None:
    store.save(ALEXA_ID, {"step": 9})
    assert store.load(ALEXA_ID) == {"step": 9}
    assert store.load(ALEXA_ID[:-1]) == {}


@pytest.mark.parametrize("key", ["", "x" * 2000])
def test_empty_or_absurd_keys_are_rejected(store: ProgressStore, key: str) -> None:
    with pytest.raises(ValueError, match="key"):
        store.save(key, {"step": 1})


# --- only progress is stored ----------------------------------------------------------------


NOT_PROGRESS: list[dict[Any, Any]] = [
    {"letter": LETTER},
    {"transcript": "what if my therapy isn't working"},
    {"script": LETTER},
    {"script": "Ask_For_Change"},
    {"step": 10**12},
    {"step": -1},
    {"step": True},
    {"step": 3.0},
    {"rate": 20},
    {"finished": "yes"},
    {"script": "ok", 1: "non-string field name"},
]


@pytest.mark.parametrize("bad", NOT_PROGRESS)
def test_anything_but_progress_is_refused_and_nothing_written(
    store: ProgressStore, bad: dict[Any, Any]
) -> None:
    store.save(KEY, {"script": "before", "step": 1})
    with pytest.raises(ValueError) as refused:
        store.save(KEY, bad)
    with pytest.raises(ValueError):
        store.update(KEY, bad)
    with pytest.raises(ValueError):
        store.update(KEY, lambda _now: bad)
    assert store.load(KEY) == {"script": "before", "step": 1}
    assert LETTER not in str(refused.value)  # the message never echoes what was refused


def test_the_allow_list_holds_no_free_text_field() -> None:
    assert set(PROGRESS_FIELDS) == {"script", "step", "rate", "finished"}


def test_the_file_holds_no_text_but_progress(path: Path) -> None:
    store = ProgressStore(path, clock=lambda: 1_700_000_000.0)
    store.save(KEY, {"script": "ask_for_change", "step": 3, "rate": 90, "finished": False})
    with pytest.raises(ValueError):
        store.update(KEY, {"letter": LETTER})
    raw(path).execute("PRAGMA wal_checkpoint(TRUNCATE)").close()
    contents = b"".join(p.read_bytes() for p in path.parent.iterdir() if p.is_file())

    assert b"Dr Smith" not in contents
    # Take away every piece of text the file is expected to hold: what remains has no words.
    rest = path.read_bytes()
    schema = raw(path).execute("SELECT sql FROM sqlite_master WHERE name = 'progress'")
    expected = [b"SQLite format", b"sqlite_autoindex_progress_", schema.fetchone()[0].encode()]
    expected += [b"table"]
    expected += [b"progress", b"index", KEY.encode(), b"script", b"ask_for_change", b"step"]
    expected += [b"rate", b"finished", b"false"]
    for text in expected:
        rest = rest.replace(text, b"")
    assert re.findall(rb"[A-Za-z_]{3,}", rest) == []


def test_a_deleted_key_leaves_no_trace_in_the_file(store: ProgressStore) -> None:
    store.save(ALEXA_ID, {"script": "ask_for_change"})
    store.save(KEY, {"step": 1})
    store.delete(ALEXA_ID)
    raw(store.path).execute("PRAGMA wal_checkpoint(TRUNCATE)").close()
    assert ALEXA_ID.encode() not in store.path.read_bytes()
    assert b"ask_for_change" not in store.path.read_bytes()


def test_fields_not_allowed_any_more_are_dropped_on_load(store: ProgressStore) -> None:
    store.save(KEY, {"step": 2})
    with raw(store.path) as conn:  # as if an older version had stored something else
        conn.execute("UPDATE progress SET data = ? WHERE key = ?", ('{"step":2,"old":"x"}', KEY))
    assert store.load(KEY) == {"step": 2}


# --- the file ---------------------------------------------------------------------------------


def test_the_file_is_in_wal_mode_with_a_schema_version(store: ProgressStore) -> None:
    store.save(KEY, {"step": 1})
    conn = raw(store.path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    columns = [
        (row[1], row[2], row[3], row[5]) for row in conn.execute("PRAGMA table_info(progress)")
    ]
    assert columns == [("key", "TEXT", 0, 1), ("data", "TEXT", 1, 0), ("updated", "REAL", 1, 0)]
    conn.close()


def test_a_deleted_file_is_recreated(store: ProgressStore) -> None:
    store.save(KEY, {"step": 1})
    for p in store.path.parent.iterdir():
        p.unlink()
    assert store.load(KEY) == {}
    store.save(KEY, {"step": 2})
    assert store.load(KEY) == {"step": 2}


# --- many writers at once ---------------------------------------------------------------------


def _increment(path: str, key: str, times: int, start: Any) -> None:
    start.wait(10)
    store = ProgressStore(path)
    for _ in range(times):
        store.update(key, lambda now: {"step": now.get("step", 0) + 1})


def test_concurrent_worker_processes_lose_no_update(path: Path) -> None:
    """4 processes (like 4 gunicorn workers) x 25 increments on one fresh file: exactly 100."""
    start = CTX.Event()
    workers = [CTX.Process(target=_increment, args=(str(path), KEY, 25, start)) for _ in range(4)]
    for worker in workers:
        worker.start()
    start.set()
    for worker in workers:
        worker.join(30)
    assert [worker.exitcode for worker in workers] == [0, 0, 0, 0]
    assert ProgressStore(path).load(KEY) == {"step": 100}


def test_threads_sharing_one_store_lose_no_update(store: ProgressStore) -> None:
    start = threading.Event()
    threads = [
        threading.Thread(target=_increment, args=(str(store.path), KEY, 25, start))
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    start.set()
    for thread in threads:
        thread.join(30)
    assert store.load(KEY) == {"step": 100}


def test_concurrent_merges_of_different_fields_keep_them_all(path: Path) -> None:
    start = CTX.Event()
    changes = [{"script": "ask_for_change"}, {"rate": 80}, {"finished": True}, {"step": 5}]
    workers = [CTX.Process(target=_merge, args=(str(path), c, start)) for c in changes]
    for worker in workers:
        worker.start()
    start.set()
    for worker in workers:
        worker.join(30)
    assert [worker.exitcode for worker in workers] == [0, 0, 0, 0]
    assert ProgressStore(path).load(KEY) == {
        "script": "ask_for_change",
        "rate": 80,
        "finished": True,
        "step": 5,
    }


def _merge(path: str, changes: dict[str, Any], start: Any) -> None:
    start.wait(10)
    store = ProgressStore(path)
    for _ in range(20):
        store.update(KEY, changes)


# --- a worker killed mid-write ----------------------------------------------------------------


def _record(n: int) -> dict[str, Any]:
    step = n % 101
    return {"script": "durability", "step": step, "rate": 50 + step, "finished": step % 2 == 0}


def _write_forever(path: str, committed: Any) -> None:
    store = ProgressStore(path)
    n = committed.value
    while True:
        n += 1
        store.save(KEY, _record(n))
        committed.value = n  # only after save() returned, i.e. the write is committed


def test_a_killed_writer_leaves_a_sound_file_with_its_last_commit(path: Path) -> None:
    committed = CTX.RawValue("q", 0)  # no lock: the child may die at any instruction
    for _ in range(3):
        writer = CTX.Process(target=_write_forever, args=(str(path), committed))
        target = committed.value + 100
        writer.start()
        deadline = time.monotonic() + 20
        while committed.value < target and writer.is_alive() and time.monotonic() < deadline:
            time.sleep(0.002)
        writer.kill()  # SIGKILL: no cleanup, most likely inside a write
        writer.join(10)
        assert committed.value >= target, "the writer never got going"

        with raw(path) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        last = committed.value
        saved = ProgressStore(path).load(KEY)
        # The last reported commit survived, or the one after it that committed just before
        # the kill; either way a whole record, never a mixture.
        assert saved in (_record(last), _record(last + 1))


# --- files that cannot be used ----------------------------------------------------------------


def _all_calls(store: ProgressStore) -> list[Any]:
    return [
        lambda: store.load(KEY),
        lambda: store.save(KEY, {"step": 1}),
        lambda: store.update(KEY, {"step": 1}),
        lambda: store.delete(KEY),
    ]


def test_a_damaged_file_is_explained_with_its_path(path: Path) -> None:
    path.parent.mkdir()
    path.write_bytes(os.urandom(8192))
    for call in _all_calls(ProgressStore(path)):
        with pytest.raises(ProgressStoreError) as error:
            call()
        message = str(error.value)
        assert str(path) in message
        assert "damaged" in message and "delete it" in message
        assert "your questions still work" in message


def test_a_file_damaged_inside_is_explained(store: ProgressStore) -> None:
    store.save(KEY, {"step": 1})
    raw(store.path).execute("PRAGMA wal_checkpoint(TRUNCATE)").close()
    header = store.path.read_bytes()[:100]
    store.path.write_bytes(header + bytes(range(256)) * 32)
    with pytest.raises(ProgressStoreError, match="damaged"):
        store.load(KEY)


def test_a_folder_where_the_file_should_be_is_explained(path: Path) -> None:
    path.mkdir(parents=True)
    with pytest.raises(ProgressStoreError) as error:
        ProgressStore(path).load(KEY)
    assert str(path) in str(error.value)
    assert "is a file" in str(error.value)


def test_a_file_where_the_folder_should_be_is_explained(tmp_path: Path) -> None:
    (tmp_path / "data").write_text("not a folder")
    with pytest.raises(ProgressStoreError, match=DATA_DIR_ENV):
        ProgressStore(tmp_path / "data" / FILE_NAME).save(KEY, {"step": 1})


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
def test_an_unwritable_folder_is_explained(tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(ProgressStoreError, match="write to"):
            ProgressStore(folder / FILE_NAME).save(KEY, {"step": 1})
    finally:
        folder.chmod(0o700)


def test_a_file_locked_too_long_is_explained(store: ProgressStore) -> None:
    store.save(KEY, {"step": 1})
    other_worker = raw(store.path)
    other_worker.execute("BEGIN IMMEDIATE")  # holds the write lock
    try:
        impatient = ProgressStore(store.path, busy_timeout_ms=100)
        with pytest.raises(ProgressStoreError, match=r"busy.*try again"):
            impatient.save(KEY, {"step": 2})
        assert impatient.load(KEY) == {"step": 1}  # WAL: readers are never blocked
    finally:
        other_worker.execute("ROLLBACK")
        other_worker.close()


def test_a_file_from_a_newer_version_is_explained(store: ProgressStore) -> None:
    store.save(KEY, {"step": 1})
    raw(store.path).execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}").close()
    with pytest.raises(ProgressStoreError, match="newer version"):
        store.load(KEY)
