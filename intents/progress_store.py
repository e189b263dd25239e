"""Where a rehearsal stopped, kept between conversations in an embedded SQLite file.

Both surfaces use it: the Alexa adapter keys it by the Alexa user id, the offline app by
``"local:<profile>"``. It holds *progress only* (which script, which step, speech rate, finished):
an allow-list is enforced on every write, so letter text, transcripts or answers can never reach
the disk through it (see DESIGN.md, Privacy). Nothing here knows about ask-sdk or audio.

Several gunicorn workers (separate processes) may share one file, so every call opens its own
short-lived connection (sqlite3 connections must not cross threads, nor survive a fork), the file
is in WAL mode, writers wait on a busy timeout instead of failing, and `update` does its
read-modify-write inside one ``BEGIN IMMEDIATE`` transaction so concurrent writers lose nothing.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

import platformdirs

APP_NAME: Final = "therapy-checkin"
FILE_NAME: Final = "progress.sqlite3"
DATA_DIR_ENV: Final = "THERAPY_CHECKIN_DATA_DIR"
SCHEMA_VERSION: Final = 1
MAX_KEY_LENGTH: Final = 1024  # Alexa user ids run to a few hundred characters.
DEFAULT_BUSY_TIMEOUT_MS: Final = 5000

_SCRIPT_ID: Final = re.compile(r"[a-z_]{1,40}")

# THE ONLY THINGS THIS STORE MAY HOLD. Mental-health words are sensitive: by design no letter
# text, transcript or answer is ever persisted. Rather than trust every caller, each write is
# checked against this allow-list of short, non-textual progress fields; anything else raises
# ValueError before the file is touched. A free-text field must never be added here.
# field -> (exact type, check, rule shown in the error message; never the value itself)
PROGRESS_FIELDS: Final[Mapping[str, tuple[type, Callable[[Any], bool], str]]] = {
    "script": (str, lambda v: _SCRIPT_ID.fullmatch(v) is not None, "a script id, [a-z_]{1,40}"),
    "step": (int, lambda v: 0 <= v <= 100, "a whole number from 0 to 100"),
    "rate": (int, lambda v: 50 <= v <= 150, "a speech rate in percent, 50 to 150"),
    "finished": (bool, lambda v: True, "true or false"),
}

Progress = dict[str, Any]
Changes = Mapping[str, Any] | Callable[[Progress], Mapping[str, Any]]

_SCHEMA: Final = (
    "CREATE TABLE IF NOT EXISTS progress ("
    "key TEXT PRIMARY KEY, data TEXT NOT NULL, updated REAL NOT NULL)"
)
_UPSERT: Final = (
    "INSERT INTO progress (key, data, updated) VALUES (?, ?, ?) "
    "ON CONFLICT(key) DO UPDATE SET data = excluded.data, updated = excluded.updated"
)


class ProgressStoreError(Exception):
    """The progress file cannot be used. The message says what to do; answers still work."""


def default_path() -> Path:
    """$THERAPY_CHECKIN_DATA_DIR/progress.sqlite3, else the platform's per-user data folder."""
    folder = os.environ.get(DATA_DIR_ENV) or platformdirs.user_data_dir(APP_NAME)
    return Path(folder) / FILE_NAME


def check_progress(data: Mapping[str, Any]) -> Progress:
    """A plain-dict copy of `data`, or ValueError if it holds anything but allowed progress.

    The message names the field and the rule, never the value: a rejected value may be user text.
    """
    if not isinstance(data, Mapping):
        raise ValueError("progress must be a mapping of field names to values")
    for name, value in data.items():
        rule = PROGRESS_FIELDS.get(name) if isinstance(name, str) else None
        if rule is None:
            allowed = ", ".join(PROGRESS_FIELDS)
            raise ValueError(f"{str(name)[:40]!r} is not a progress field (allowed: {allowed})")
        kind, ok, description = rule
        if type(value) is not kind or not ok(value):
            raise ValueError(f"progress field {name!r} must be {description}")
    return dict(data)


def _check_key(key: str) -> str:
    if not isinstance(key, str) or not key:
        raise ValueError("a progress key must be a non-empty string")
    if len(key) > MAX_KEY_LENGTH:
        raise ValueError(f"a progress key must be at most {MAX_KEY_LENGTH} characters")
    return key


class ProgressStore:
    """Small JSON dicts of rehearsal progress, keyed by a user id, in one SQLite file."""

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """Nothing touches the disk until the first call, so a bad path never stops start-up."""
        self.path = (Path(path) if path is not None else default_path()).expanduser().absolute()
        self.busy_timeout_ms = busy_timeout_ms
        self._clock = clock
        self._local = threading.local()

    def load(self, key: str) -> Progress:
        """The progress saved under `key`, or {} if there is none."""
        _check_key(key)
        with self._connect() as conn:
            return self._read(conn, key)

    def save(self, key: str, data: Mapping[str, Any]) -> None:
        """Replace the progress under `key` (ValueError, nothing written, if not allowed)."""
        _check_key(key)
        text = _encode(check_progress(data))
        with self._connect() as conn, _immediate(conn):
            conn.execute(_UPSERT, (key, text, self._clock()))

    def update(self, key: str, changes: Changes) -> Progress:
        """Merge `changes` into the saved progress atomically and return the result.

        `changes` is a mapping, or a function of the current progress returning one (for
        read-modify-write such as "next step"); it runs inside the write transaction, so
        concurrent updates from other workers are never lost.
        """
        _check_key(key)
        if isinstance(changes, Mapping):
            check_progress(changes)
        with self._connect() as conn, _immediate(conn):
            current = self._read(conn, key)
            delta = changes(dict(current)) if callable(changes) else changes
            merged = check_progress({**current, **delta})
            conn.execute(_UPSERT, (key, _encode(merged), self._clock()))
        return merged

    def delete(self, key: str) -> None:
        """Forget the progress under `key` (no error if there is none)."""
        _check_key(key)
        with self._connect() as conn, _immediate(conn):
            conn.execute("DELETE FROM progress WHERE key = ?", (key,))

    def _read(self, conn: sqlite3.Connection, key: str) -> Progress:
        row = conn.execute("SELECT data FROM progress WHERE key = ?", (key,)).fetchone()
        if row is None:
            return {}
        try:
            data = json.loads(row[0])
        except ValueError as error:
            raise ProgressStoreError(self._damaged()) from error
        if not isinstance(data, dict):
            raise ProgressStoreError(self._damaged())
        # Fields this version does not know (or no longer allows) are dropped, not returned.
        return {k: v for k, v in data.items() if _allowed(k, v)}

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """This thread's connection, schema ready; any SQLite error explained.

        Opening and configuring a connection costs more than the query itself, so each
        thread of each process keeps one; after an error it is closed and opened afresh
        next time (the file may have been moved aside or repaired meanwhile).
        """
        conn = self._connection()
        try:
            yield conn
        except sqlite3.Error as error:
            self._forget(conn)
            raise self._explain(error) from error

    def _connection(self) -> sqlite3.Connection:
        cached = getattr(self._local, "conn", None)
        if cached is not None and cached[0] == os.getpid() and self.path.exists():
            try:  # another process may have replaced or upgraded the file meanwhile
                if cached[1].execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION:
                    return cached[1]
            except sqlite3.Error:
                pass
            self._forget(cached[1])
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise ProgressStoreError(self._unusable(error)) from error
        try:
            # isolation_level=None: we issue BEGIN ourselves. timeout sets sqlite3_busy_timeout.
            conn = sqlite3.connect(
                self.path, timeout=self.busy_timeout_ms / 1000, isolation_level=None
            )
            self._configure(conn)
        except sqlite3.Error as error:
            raise self._explain(error) from error
        self._local.conn = (os.getpid(), conn)
        return conn

    def _forget(self, conn: sqlite3.Connection) -> None:
        self._local.conn = None
        conn.close()

    def _configure(self, conn: sqlite3.Connection) -> None:
        conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
        # synchronous=FULL: in WAL mode NORMAL already keeps a committed write if the worker is
        # killed (the WAL is in the OS cache), but may lose it on power loss or an OS crash.
        # FULL syncs the WAL at every commit; we write once per rehearsal step, so the extra
        # fsync costs nothing noticeable and a saved step survives a crash of any kind.
        conn.execute("PRAGMA synchronous = FULL")
        # A deleted row's bytes (the user id key) are zeroed, not left in free pages.
        conn.execute("PRAGMA secure_delete = ON")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version != SCHEMA_VERSION:
            self._create_schema(conn)

    def _create_schema(self, conn: sqlite3.Connection) -> None:
        """New (or freshly deleted) file: WAL mode, table, schema version; safe to race."""
        self._enable_wal(conn)
        with _immediate(conn):
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise ProgressStoreError(
                    f"the progress file {self.path} was written by a newer version of "
                    f"{APP_NAME}; update the app, or move the file aside to start afresh; "
                    "your questions still work"
                )
            conn.execute(_SCHEMA)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _enable_wal(self, conn: sqlite3.Connection) -> None:
        """Put the file in WAL mode (stored in the file, so once is enough).

        Switching needs the file to itself, and SQLite answers "locked" at once here rather
        than waiting on the busy timeout, so several workers starting on a new file retry.
        """
        deadline = time.monotonic() + self.busy_timeout_ms / 1000
        while True:
            try:
                conn.execute("PRAGMA journal_mode = WAL")
                return
            except sqlite3.OperationalError as error:
                if not _is_busy(error) or time.monotonic() > deadline:
                    raise
                time.sleep(0.005)

    def _explain(self, error: sqlite3.Error) -> ProgressStoreError:
        """Turn an SQLite error into a message saying what the user can do about it."""
        text = _error_text(error)
        if _is_busy(error):
            return ProgressStoreError(
                f"the progress file {self.path} stayed busy for more than "
                f"{self.busy_timeout_ms / 1000:g} s (another copy of the app is using it); "
                "try again in a moment; your questions still work"
            )
        if any(word in text for word in ("cantopen", "unable to open", "readonly", "read-only")):
            return ProgressStoreError(self._unusable(error))
        if isinstance(error, sqlite3.OperationalError):  # disk full, I/O error, ...
            return ProgressStoreError(
                f"could not use the progress file {self.path} ({error}); your questions still work"
            )
        return ProgressStoreError(self._damaged())

    def _damaged(self) -> str:
        return (
            f"the progress file {self.path} is damaged; move it aside or delete it to start "
            "afresh; your questions still work"
        )

    def _unusable(self, error: BaseException) -> str:
        return (
            f"cannot open or write the progress file {self.path} ({error}); check that "
            f"{self.path.parent} is a folder you can write to and that {self.path.name} is a "
            f"file, or set {DATA_DIR_ENV} to another folder; your questions still work"
        )


@contextmanager
def _immediate(conn: sqlite3.Connection) -> Iterator[None]:
    """One write transaction, taking the write lock up front (waiting on the busy timeout).

    Taking it at BEGIN, rather than at the first write, means a read-modify-write can never
    be overtaken by another writer between its read and its write.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _error_text(error: sqlite3.Error) -> str:
    code = getattr(error, "sqlite_errorname", "")  # Python 3.11+
    return f"{code} {error}".lower()


def _is_busy(error: sqlite3.Error) -> bool:
    text = _error_text(error)
    return "busy" in text or "locked" in text


def _allowed(name: str, value: Any) -> bool:
    rule = PROGRESS_FIELDS.get(name)
    return rule is not None and type(value) is rule[0] and rule[1](value)


def _encode(data: Progress) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"))
