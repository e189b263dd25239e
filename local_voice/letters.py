"""Saving a drafted letter, only when the user asks, to a folder they choose."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import platformdirs

from local_voice.errors import VoiceError


def default_folder() -> Path:
    """The user's documents folder, where people look for a letter they wrote."""
    return Path(platformdirs.user_documents_dir())


def save_letter(text: str, folder: Path) -> Path:
    """Write the letter to a new text file in folder and return its path (never overwrites)."""
    stamp = datetime.now().strftime("%Y-%m-%d-%H%M")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for number in range(1, 1000):
            suffix = "" if number == 1 else f"-{number}"
            path = folder / f"letter-to-my-therapist-{stamp}{suffix}.txt"
            try:
                with path.open("x", encoding="utf-8") as handle:
                    handle.write(text.rstrip() + "\n")
                return path
            except FileExistsError:
                continue
    except OSError as exc:
        raise VoiceError(
            f"The letter could not be saved in {folder} ({exc.strerror or exc}). "
            "Choose another folder with --letters-dir; the letter is still on screen above."
        ) from exc
    raise VoiceError(f"Too many letters saved this minute in {folder}; try again shortly.")
