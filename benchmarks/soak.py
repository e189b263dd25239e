"""Soak: the offline app in --wav mode for many consecutive turns, watching its memory.

`python -m benchmarks.soak [--turns 1000]` synthesises a cycle of spoken turns with espeak-ng
(questions, rehearsal controls, an attempt, letter answers), runs ONE
`therapy-checkin listen --wav ...` over all of them, samples the process's resident memory
as it goes, and prints failures and the growth after warm-up (target <= 10%).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
#: One cycle of a conversation that never ends itself: questions, a rehearsal, a letter.
CYCLE = (
    "what if my therapy isn't working",
    "yes",
    "help me practise asking for a break",
    "I would like to take a break from therapy for a while",
    "next",
    "go back",
    "repeat",
    "slower",
    "faster",
    "pause",
    "resume",
    "start over",
    "which scripts are there",
    "help me write a letter to my therapist",
    "yes",
    "the sessions feel rushed and I never get to speak",
    "I would like us to slow down",
    "skip",
    "skip",
    "I've finished the letter",
)
WARM_UP_TURNS = 100


@dataclass(frozen=True)
class SoakResult:
    """What one soak run showed."""

    turns: int
    """Turns the app answered."""

    failures: int
    """Non-zero exit, or turns with no reply printed."""

    rss_after_warm_up_mb: float
    """Resident memory after warm-up (WARM_UP_TURNS turns, or a fifth of a shorter run)."""

    rss_end_mb: float
    """Resident memory at the last turn."""

    seconds: float
    """Wall time of the run."""

    @property
    def growth(self) -> float:
        return self.rss_end_mb / self.rss_after_warm_up_mb - 1


def synthesise(folder: Path) -> list[Path]:
    if not shutil.which("espeak-ng"):
        raise SystemExit("espeak-ng is not installed: run script/setup (as root) first")
    paths = []
    for index, text in enumerate(CYCLE):
        path = folder / f"turn-{index:02d}.wav"
        subprocess.run(["espeak-ng", "-s", "150", "-w", str(path), text], check=True)
        paths.append(path)
    return paths


def _rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    found = re.search(r"VmRSS:\s+(\d+) kB", status)
    return int(found.group(1)) / 1024 if found else 0.0


def _empty_folder_forever(folder: Path, stop: threading.Event) -> None:
    """Reply WAVs are not the point here; delete them so 1,000 turns fit on any disk."""
    while not stop.wait(0.5):
        for path in folder.glob("*.wav"):
            path.unlink(missing_ok=True)


def run(turns: int) -> SoakResult:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        cycle = synthesise(folder)
        files = [str(cycle[i % len(cycle)]) for i in range(turns)]
        replies = folder / "replies"
        replies.mkdir()
        stop = threading.Event()
        threading.Thread(target=_empty_folder_forever, args=(replies, stop), daemon=True).start()
        env = {**os.environ, "PYTHONPATH": str(REPO), "THERAPY_CHECKIN_DATA_DIR": tmp}
        command = [sys.executable, "-m", "therapy_checkin", "listen", "--engine", "pocketsphinx",
                   "--say-to", str(replies), "--wav", *files]  # fmt: skip
        started = time.monotonic()
        process = subprocess.Popen(command, env=env, cwd=REPO, stdout=subprocess.PIPE,
                                   stderr=subprocess.DEVNULL, text=True)  # fmt: skip
        samples: list[tuple[int, float]] = []
        answered = 0
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith("you:") or line.startswith("> "):
                answered += 1
                samples.append((answered, _rss_mb(process.pid)))
        code = process.wait()
        stop.set()
    warm_up = min(WARM_UP_TURNS, max(1, turns // 5))  # shortened runs warm up for a fifth
    warm = next((mb for n, mb in samples if n >= warm_up), 0.0)
    end = samples[-1][1] if samples else 0.0
    failures = (code != 0) + max(turns - answered, 0)
    return SoakResult(answered, failures, warm, end, time.monotonic() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--turns", type=int, default=1000)
    args = parser.parse_args()
    result = run(args.turns)
    print(f"turns answered           {result.turns} of {args.turns}")
    print(f"failures                 {result.failures}")
    print(f"resident memory          {result.rss_after_warm_up_mb:.1f} MB after warm-up, "
          f"{result.rss_end_mb:.1f} MB at the end")  # fmt: skip
    print(f"growth after warm-up     {100 * result.growth:+.1f}% (target <= 10%)")
    print(f"wall time                {result.seconds:.0f} s "
          f"({result.seconds / max(result.turns, 1):.2f} s per turn)")  # fmt: skip
    sys.exit(1 if result.failures else 0)


if __name__ == "__main__":
    main()
