"""Turn taking on live-like audio: relaxed end of speech, maximum turn, and barge-in by voice.

Audio is streamed frame by frame from synthesised speech, as the microphone would deliver it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import numpy as np
import pytest

from local_voice.app import Settings, hear_turn
from local_voice.audio import SAMPLE_RATE, Audio, resample, to_int16
from local_voice.barge_in import StopWordSpotter
from local_voice.domain import catalog_sentences
from local_voice.endpointing import Endpointer, EndpointSettings, Event, frames_of
from local_voice.pocketsphinx_engine import PocketsphinxRecogniser
from local_voice.speech_output import Synthesiser


class FrameSource:
    """Delivers a recording in 30 ms frames, like local_voice.microphone.Microphone."""

    def __init__(self, audio: Audio) -> None:
        self.audio = audio

    def drain(self) -> None:
        pass

    def frames(self, timeout: float = 2.0) -> Iterator[bytes]:
        yield from frames_of(self.audio)


Say = Callable[[str], np.ndarray]


@pytest.fixture(scope="module")
def say() -> Iterator[Say]:
    synth = Synthesiser("en-GB")

    def speak(text: str) -> np.ndarray:
        audio = synth.render(text, 150)
        return to_int16(resample(audio.samples, audio.sample_rate, SAMPLE_RATE))

    yield speak
    synth.close()


def _gap(seconds: float) -> np.ndarray:
    noise = np.random.default_rng(0).standard_normal(int(SAMPLE_RATE * seconds)) * 30
    return to_int16(noise)


def test_a_hesitation_does_not_end_the_turn(say: Say) -> None:
    parts = [_gap(0.5), say("my therapy"), _gap(0.6), say("is not helping me"), _gap(1.5),
             say("what is the weather like"), _gap(1)]  # fmt: skip
    speech = np.concatenate(parts)
    recogniser = PocketsphinxRecogniser(catalog_sentences())
    text, spoken = hear_turn(
        FrameSource(Audio(speech)),
        recogniser,  # type: ignore[arg-type]
        Settings(),
        free=False,
    )
    assert text is not None and "helping" in text and "weather" not in text
    assert 1.0 < spoken < 4.0


def test_shorter_end_silence_cuts_at_the_pause(say: Say) -> None:
    speech = np.concatenate([_gap(0.5), say("my therapy"), _gap(0.8), say("is not helping")])
    endpointer = Endpointer(EndpointSettings(end_silence=0.5))
    events = [endpointer.push(f) for f in frames_of(Audio(speech))]
    end = events.index(Event.END) * 0.03
    assert end < 0.5 + len(say("my therapy")) / SAMPLE_RATE + 0.8


def test_maximum_turn_and_no_speech_timeout() -> None:
    loud = to_int16(np.random.default_rng(2).standard_normal(SAMPLE_RATE * 5) * 3000)
    endpointer = Endpointer(EndpointSettings(max_turn=2.0))
    events = [endpointer.push(f) for f in frames_of(Audio(loud))]
    assert Event.MAX_TURN in events and events.index(Event.MAX_TURN) * 0.03 < 2.5
    quiet = Endpointer(EndpointSettings(start_timeout=1.0))
    events = [quiet.push(f) for f in frames_of(Audio(_gap(2.0)))]
    assert Event.TIMEOUT in events


@pytest.fixture(scope="module")
def spotter() -> StopWordSpotter:
    return StopWordSpotter()


@pytest.mark.parametrize("phrase", ["stop", "stop please", "please stop now"])
def test_saying_stop_cuts_speech(say: Say, spotter: StopWordSpotter, phrase: str) -> None:
    stop = threading.Event()
    audio = Audio(np.concatenate([_gap(0.3), say(phrase), _gap(0.8)]))
    assert spotter.heard_in(iter(frames_of(audio)), stop) and stop.is_set()


@pytest.mark.parametrize("phrase", ["I want to keep going", "tell me about therapy homework"])
def test_other_speech_does_not(say: Say, spotter: StopWordSpotter, phrase: str) -> None:
    stop = threading.Event()
    audio = Audio(np.concatenate([_gap(0.3), say(phrase), _gap(0.8)]))
    assert not spotter.heard_in(iter(frames_of(audio)), stop) and not stop.is_set()
