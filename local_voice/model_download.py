"""`models download`: fetch the small English Vosk model, verified, extracted safely, atomically.

Steps: read the published model list, pick the model, stream the archive to a temporary file
beside the target while hashing it, check size and MD5 against the list, extract into a
temporary folder beside the target refusing path escapes and links, check the model layout,
then rename into place. Any failure removes the temporaries: nothing is ever half-installed.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import stat
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlparse

import requests

from local_voice.errors import DownloadError
from local_voice.vosk_engine import model_problem

MODEL_LIST_URL = "https://alphacephei.com/vosk/models/model-list.json"
MODEL_LIST_ENV = "THERAPY_CHECKIN_MODEL_LIST_URL"
DEFAULT_LANG = "en-us"
PREFERRED = "vosk-model-small-en-us-0.15"
MAX_UNPACKED = 4 * 1024**3
CHUNK = 1 << 16
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
Progress = Callable[[int, int], Any]


@dataclass(frozen=True)
class ModelEntry:
    """One model from the published list."""

    name: str
    lang: str
    url: str
    md5: str
    size: int


def list_url() -> str:
    return os.environ.get(MODEL_LIST_ENV) or MODEL_LIST_URL


def _get(url: str, timeout: float, stream: bool = False) -> requests.Response:
    try:
        response = requests.get(url, timeout=timeout, stream=stream)
        response.raise_for_status()
    except requests.ConnectionError as exc:
        host = urlparse(url).netloc or url
        raise DownloadError(
            f"Cannot reach {host}: you seem to be offline. Connect to the internet and run "
            "`therapy-checkin models download` again, or copy a Vosk model folder to this "
            "computer and pass --model PATH. Until then pocketsphinx is used."
        ) from exc
    except requests.Timeout as exc:
        raise DownloadError(f"{url} did not answer in time. Try again later.") from exc
    except requests.HTTPError as exc:
        raise DownloadError(f"{url} answered {exc.response.status_code}. Try again later.") from exc
    except requests.RequestException as exc:
        raise DownloadError(f"Could not fetch {url} ({exc}).") from exc
    return response


def fetch_model_list(url: str, timeout: float = 10.0) -> list[dict[str, Any]]:
    response = _get(url, timeout)
    try:
        entries = response.json()
    except ValueError as exc:
        raise DownloadError(f"The model list at {url} is not valid JSON.") from exc
    if not isinstance(entries, list):
        raise DownloadError(f"The model list at {url} is not a list of models.")
    return [e for e in entries if isinstance(e, dict)]


def choose_model(entries: list[dict[str, Any]], name: str | None = None) -> ModelEntry:
    """The named model, else the preferred small en-us one, else the newest small en-us one."""
    usable = [e for e in entries if str(e.get("obsolete", "false")).lower() != "true"]
    if name:
        matches = [e for e in entries if e.get("name") == name]
    else:
        small = [e for e in usable if e.get("lang") == DEFAULT_LANG and e.get("type") == "small"]
        matches = [e for e in small if e.get("name") == PREFERRED] or sorted(
            small, key=lambda e: str(e.get("version", e.get("name", ""))), reverse=True
        )
    if not matches:
        wanted = name or f"a small {DEFAULT_LANG} model"
        raise DownloadError(f"The model list has no {wanted}. Check --list-url or the name.")
    return _entry(matches[0])


def _entry(raw: dict[str, Any]) -> ModelEntry:
    name, url, md5 = str(raw.get("name", "")), str(raw.get("url", "")), str(raw.get("md5", ""))
    if not _SAFE_NAME.match(name) or ".." in name:
        raise DownloadError(f"The model list gives an unsafe model name {name!r}; not installing.")
    if urlparse(url).scheme not in ("http", "https"):
        raise DownloadError(f"The model list gives an unusable URL for {name}; not installing.")
    if not re.fullmatch(r"[0-9a-fA-F]{32}", md5):
        raise DownloadError(f"The model list gives no valid MD5 for {name}; cannot verify it.")
    try:
        size = int(raw.get("size", 0))
    except (TypeError, ValueError):
        size = 0
    return ModelEntry(name, str(raw.get("lang", "")), url, md5.lower(), size)


def _download(entry: ModelEntry, target: Path, progress: Progress | None) -> None:
    """Stream to `target` while hashing; then insist on the size and checksum from the list."""
    digest, received = hashlib.md5(usedforsecurity=False), 0
    with _get(entry.url, timeout=30, stream=True) as response, target.open("wb") as out:
        expected = entry.size or int(response.headers.get("Content-Length") or 0)
        try:
            for chunk in response.iter_content(CHUNK):
                out.write(chunk)
                digest.update(chunk)
                received += len(chunk)
                if progress:
                    progress(len(chunk), expected)
        except requests.RequestException as exc:
            raise DownloadError(f"The download of {entry.name} broke off ({exc}).") from exc
    if expected and received != expected:
        raise DownloadError(
            f"The download of {entry.name} is incomplete ({received} of {expected} bytes). "
            "Run the command again."
        )
    if digest.hexdigest() != entry.md5:
        raise DownloadError(
            f"The download of {entry.name} does not match its published checksum "
            "(corrupted or tampered with); nothing was installed. Run the command again."
        )


def _safe_members(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """Every member, after refusing absolute paths, `..`, links and oversized archives."""
    total = 0
    for info in archive.infolist():
        path = PurePosixPath(info.filename.replace("\\", "/"))
        mode = info.external_attr >> 16
        if path.is_absolute() or ".." in path.parts or re.match(r"^[A-Za-z]:", info.filename):
            raise DownloadError(f"The archive has an unsafe path {info.filename!r}; not installed.")
        if stat.S_ISLNK(mode):
            raise DownloadError(f"The archive has a link {info.filename!r}; not installing.")
        total += info.file_size
    if total > MAX_UNPACKED:
        raise DownloadError("The archive unpacks to more than 4 GiB; not installing.")
    return archive.infolist()


def _extract(archive_path: Path, folder: Path) -> Path:
    """Unpack into `folder`; return the model root inside it (the archive's top folder)."""
    try:
        with zipfile.ZipFile(archive_path) as archive:
            for info in _safe_members(archive):
                archive.extract(info, folder)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise DownloadError(f"The model archive cannot be unpacked ({exc}).") from exc
    children = [p for p in folder.iterdir() if p.is_dir()]
    root = children[0] if len(children) == 1 and model_problem(folder) else folder
    problem = model_problem(root)
    if problem:
        raise DownloadError(f"The downloaded archive is not a usable model: {problem}.")
    return root


def install(entry: ModelEntry, dest: Path, progress: Progress | None = None) -> Path:
    """Download, verify and unpack `entry` into dest/<name>, all or nothing."""
    final = dest / entry.name
    if model_problem(final) is None:
        return final
    if final.exists():
        raise DownloadError(f"{final} exists but is not a complete model. Delete it and retry.")
    dest.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{entry.name}.", suffix=".partial", dir=dest))
    try:
        archive = work / "model.zip"
        _download(entry, archive, progress)
        root = _extract(archive, work / "unpacked")
        record = {"name": entry.name, "lang": entry.lang, "url": entry.url, "md5": entry.md5}
        (root / "therapy-checkin-model.json").write_text(json.dumps(record), encoding="utf-8")
        os.rename(root, final)
    except OSError as exc:
        raise DownloadError(f"Could not install the model into {dest} ({exc}).") from exc
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return final
