"""Real playback through PortAudio into ALSA's null device (no sound card needed).

PortAudio reads the ALSA configuration when it starts, so each check runs in a fresh Python
process with ALSA_CONFIG_PATH pointing at the system configuration plus a null default device.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ALSA_CONF = Path("/usr/share/alsa/alsa.conf")
pytestmark = pytest.mark.skipif(not ALSA_CONF.is_file(), reason="ALSA is not installed here")

SCRIPT = textwrap.dedent(
    """
    import threading
    import numpy as np
    from intents.reply import Segment
    from local_voice.playback import SpeakerOutput
    from local_voice.speech_output import Synthesiser

    if __name__ == "__main__":
        output = SpeakerOutput(Synthesiser("en-GB"), keys=False)
        try:
            done = output.speak([Segment("Hello there.", 300), Segment("Take your time.", 0)], 150)
            stop = threading.Event()
            stop.set()  # as a key press or a spoken "stop" would
            cut = output._play(np.ones(22050 * 5, dtype=np.int16), 22050, stop)
            print("completed", done, "interrupted", not cut, "first", output.first_audio_at > 0)
        finally:
            output.close()
    """
)


def test_speaks_through_portaudio_and_stops_on_request(tmp_path: Path) -> None:
    config = tmp_path / "asound.conf"
    config.write_text(ALSA_CONF.read_text() + "\npcm.!default { type null }\n")
    script = tmp_path / "play.py"
    script.write_text(SCRIPT)
    repo = Path(__file__).resolve().parents[2]
    path = os.pathsep.join(filter(None, [str(repo), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "ALSA_CONFIG_PATH": str(config), "PYTHONPATH": path}
    result = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=repo,
    )
    assert result.returncode == 0, result.stderr
    assert "completed True interrupted True first True" in result.stdout
