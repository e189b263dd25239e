"""Audio in the one format the recognisers want: 16 kHz, mono, 16-bit, whatever came in."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

from local_voice.errors import AudioError

#: Both recognisers' acoustic models are trained on 16 kHz speech.
SAMPLE_RATE = 16_000


@dataclass(frozen=True)
class Audio:
    """Mono 16-bit samples and their rate."""

    samples: np.ndarray
    sample_rate: int = SAMPLE_RATE

    @property
    def seconds(self) -> float:
        return len(self.samples) / self.sample_rate

    def pcm(self) -> bytes:
        """Raw little-endian 16-bit PCM, as the recognisers take it."""
        return self.samples.astype("<i2").tobytes()

    def resampled(self, rate: int) -> Audio:
        return Audio(to_int16(resample(self.samples, self.sample_rate, rate)), rate)


@dataclass(frozen=True)
class WavTurn:
    """A WAV file read as one user turn."""

    audio: Audio
    truncated_from: float | None = None
    """Original length in seconds when the file was cut to the maximum turn length."""


def resample(samples: np.ndarray, rate_in: int, rate_out: int) -> np.ndarray:
    """Float samples at rate_out; soxr is fast and clean enough for speech."""
    data = np.asarray(samples, dtype=np.float32)
    if rate_in == rate_out:
        return data
    return np.asarray(soxr.resample(data, rate_in, rate_out), dtype=np.float32)


def to_int16(samples: np.ndarray) -> np.ndarray:
    """Clip and convert float samples in int16 scale to int16."""
    return np.clip(np.rint(samples), -32768, 32767).astype(np.int16)


def read_wav(path: Path, max_seconds: float | None = None) -> WavTurn:
    """Read any-rate, any-channel WAV as 16 kHz mono, cut to max_seconds when longer."""
    info = _wav_info(path)
    if info.frames == 0:
        raise AudioError(f"{path} contains no audio. Record the question again and retry.")
    frames = info.frames
    if max_seconds is not None:
        frames = min(frames, int(max_seconds * info.samplerate))
    try:
        data = sf.read(str(path), frames=frames, dtype="float32", always_2d=True)[0]
    except (sf.LibsndfileError, RuntimeError, ValueError) as exc:
        raise AudioError(f"{path} could not be read ({exc}). Export it again as WAV.") from exc
    mono = data.mean(axis=1) * 32767.0
    audio = Audio(to_int16(resample(mono, info.samplerate, SAMPLE_RATE)))
    original = info.frames / info.samplerate
    return WavTurn(audio, original if frames < info.frames else None)


def _wav_info(path: Path) -> sf._SoundFileInfo:
    if not path.is_file():
        raise AudioError(f"{path} does not exist or is not a file. Check the path.")
    try:
        info = sf.info(str(path))
    except (sf.LibsndfileError, RuntimeError, OSError) as exc:
        raise AudioError(
            f"{path} is not a readable WAV file ({exc}). "
            "Save it as WAV (any sample rate, mono or stereo) and retry."
        ) from exc
    if info.samplerate <= 0:
        raise AudioError(f"{path} has no valid sample rate. Export it again as WAV.")
    return info


def write_wav(path: Path, audio: Audio) -> None:
    sf.write(str(path), audio.samples, audio.sample_rate, subtype="PCM_16")


def silence(milliseconds: int, sample_rate: int) -> np.ndarray:
    return np.zeros(int(sample_rate * milliseconds / 1000), dtype=np.int16)


def pink_noise(length: int, rng: np.random.Generator) -> np.ndarray:
    """Pink (1/f) noise: closer to room and fan noise than white noise."""
    spectrum = np.fft.rfft(rng.standard_normal(length))
    freqs = np.arange(len(spectrum), dtype=np.float64)
    freqs[0] = 1.0
    noise = np.fft.irfft(spectrum / np.sqrt(freqs), n=length)
    return np.asarray(noise / (np.std(noise) or 1.0), dtype=np.float64)


def mix_at_snr(audio: Audio, snr_db: float, seed: int = 0) -> Audio:
    """Add background noise at snr_db, measured against the speech's own power."""
    speech = audio.samples.astype(np.float64)
    loud = speech[np.abs(speech) > 0.02 * (np.abs(speech).max() or 1.0)]
    power = float(np.mean(loud**2)) if len(loud) else 0.0
    noise = pink_noise(len(speech), np.random.default_rng(seed))
    scaled = noise * np.sqrt(power / (10 ** (snr_db / 10)))
    return Audio(to_int16(speech + scaled), audio.sample_rate)
