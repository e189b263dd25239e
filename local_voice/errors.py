"""One error type the CLI can print as a plain message, with the fix in the text."""

from __future__ import annotations


class VoiceError(Exception):
    """A problem the user can act on; the message says what to do."""


class AudioError(VoiceError):
    """An input file or device that cannot be used."""


class ModelError(VoiceError):
    """A speech model that is missing, incomplete or cannot be loaded."""


class DownloadError(VoiceError):
    """A model download that failed; nothing is left half-installed."""


class SpeechOutputError(VoiceError):
    """Speech synthesis or playback that failed."""
