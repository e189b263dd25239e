"""`models download` against a model list and archives served on loopback: all or nothing."""

from __future__ import annotations

import hashlib
import io
import json
import socket
import stat
import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from local_voice.commands import models
from local_voice.errors import DownloadError
from local_voice.model_download import choose_model, fetch_model_list, install
from local_voice.vosk_engine import model_problem

NAME = "vosk-model-small-en-us-0.15"
LAYOUT = {
    "am/final.mdl": b"acoustic model bytes",
    "conf/model.conf": b"--endpoint.rule2.min-trailing-silence=0.5\n",
    "conf/mfcc.conf": b"--sample-frequency=16000\n",
    "graph/HCLr.fst": b"graph",
    "graph/Gr.fst": b"grammar",
}


def model_zip(top: str = NAME, extra: dict[str, bytes] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in LAYOUT.items():
            archive.writestr(f"{top}/{name}" if top else name, data)
        for name, data in (extra or {}).items():  # written as given: these are the attacks
            archive.writestr(zipfile.ZipInfo(name), data)
    return buffer.getvalue()


def symlink_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in LAYOUT.items():
            archive.writestr(f"{NAME}/{name}", data)
        link = zipfile.ZipInfo(f"{NAME}/am/escape")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
    return buffer.getvalue()


class Server:
    """Serves /list.json and /model.zip; `truncate` cuts the archive short mid-transfer."""

    def __init__(self) -> None:
        self.archive = model_zip()
        self.md5: str | None = None
        self.truncate = False
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                if self.path == "/list.json":
                    body = json.dumps(server.model_list()).encode()
                elif self.path == "/model.zip":
                    body = server.archive
                else:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                cut = server.truncate and self.path == "/model.zip"
                self.wfile.write(body[: len(body) // 2] if cut else body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def model_list(self) -> list[dict[str, object]]:
        md5 = self.md5 or hashlib.md5(self.archive).hexdigest()
        return [
            {
                "name": "vosk-model-en-us-0.22",
                "lang": "en-us",
                "type": "big",
                "obsolete": "false",
                "url": f"{self.url}/big.zip",
                "md5": "0" * 32,
                "size": 10,
            },
            {
                "name": NAME,
                "lang": "en-us",
                "type": "small",
                "obsolete": "false",
                "url": f"{self.url}/model.zip",
                "md5": md5,
                "size": len(self.archive),
            },
        ]


@pytest.fixture
def server() -> Iterator[Server]:
    srv = Server()
    thread = threading.Thread(target=srv.httpd.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.httpd.shutdown()
    srv.httpd.server_close()


def _install(server: Server, dest: Path) -> Path:
    entry = choose_model(fetch_model_list(f"{server.url}/list.json"))
    return install(entry, dest)


def _nothing_left(dest: Path) -> None:
    leftovers = [p.name for p in dest.iterdir()] if dest.exists() else []
    assert leftovers == [], f"half-installed files left behind: {leftovers}"


def test_downloads_verifies_and_installs_atomically(server: Server, tmp_path: Path) -> None:
    path = _install(server, tmp_path)
    assert path == tmp_path / NAME
    assert model_problem(path) is None
    record = json.loads((path / "therapy-checkin-model.json").read_text())
    assert record["lang"] == "en-us"
    assert sorted(p.name for p in tmp_path.iterdir()) == [NAME]


def test_cli_download_with_progress(server: Server, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        models, ["download", "--list-url", f"{server.url}/list.json", "--dest", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert "Vosk model ready" in result.output
    assert model_problem(tmp_path / NAME) is None


def test_checksum_mismatch_installs_nothing(server: Server, tmp_path: Path) -> None:
    server.md5 = "f" * 32
    with pytest.raises(DownloadError, match="checksum"):
        _install(server, tmp_path)
    _nothing_left(tmp_path)


def test_truncated_archive_installs_nothing(server: Server, tmp_path: Path) -> None:
    server.truncate = True
    with pytest.raises(DownloadError, match=r"incomplete|broke off"):
        _install(server, tmp_path)
    _nothing_left(tmp_path)


@pytest.mark.parametrize(
    "archive",
    [
        model_zip(extra={"../../escaped.txt": b"x"}),
        model_zip(extra={"/abs/path.txt": b"x"}),
        symlink_zip(),
    ],
    ids=["dot-dot", "absolute", "symlink"],
)
def test_unsafe_archives_are_refused(server: Server, tmp_path: Path, archive: bytes) -> None:
    server.archive = archive
    dest = tmp_path / "models"
    with pytest.raises(DownloadError, match=r"unsafe path|link"):
        _install(server, dest)
    _nothing_left(dest)
    assert not (tmp_path / "escaped.txt").exists()


def test_archive_without_a_model_is_refused(server: Server, tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(f"{NAME}/README", "not a model")
    server.archive = buffer.getvalue()
    with pytest.raises(DownloadError, match="not a usable model"):
        _install(server, tmp_path)
    _nothing_left(tmp_path)


def test_not_a_zip_is_refused(server: Server, tmp_path: Path) -> None:
    server.archive = b"<html>this is not a zip</html>"
    with pytest.raises(DownloadError, match="cannot be unpacked"):
        _install(server, tmp_path)
    _nothing_left(tmp_path)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_offline_fails_at_once_with_a_clear_message(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{_closed_port()}/list.json"
    result = CliRunner().invoke(models, ["download", "--list-url", url, "--dest", str(tmp_path)])
    assert result.exit_code != 0
    assert "offline" in result.output and "--model" in result.output
    _nothing_left(tmp_path)


def test_list_without_a_small_english_model(server: Server) -> None:
    with pytest.raises(DownloadError, match=r"has no"):
        choose_model([{"name": "vosk-model-fr", "lang": "fr", "type": "small"}])
    with pytest.raises(DownloadError, match="unsafe model name"):
        choose_model(
            [
                {
                    "name": "../evil",
                    "lang": "en-us",
                    "type": "small",
                    "url": "http://x/y.zip",
                    "md5": "0" * 32,
                }
            ]
        )


def test_already_installed_is_kept(server: Server, tmp_path: Path) -> None:
    first = _install(server, tmp_path)
    marker = first / "am" / "final.mdl"
    before = marker.stat().st_mtime_ns
    server.md5 = "f" * 32  # a second download would fail: proves none happens
    assert _install(server, tmp_path) == first
    assert marker.stat().st_mtime_ns == before
