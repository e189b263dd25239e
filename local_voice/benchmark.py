"""`python -m local_voice.benchmark`: speed and spoken accuracy of the offline voice layer.

Synthesises the spoken test set (tests/local_voice/spoken_questions.yaml) with pyttsx3 in two
voices and rates, clean and with pink noise at 20 dB SNR, then measures: model load time,
real-time factor, end of speech -> first reply audio (median, p90), time to synthesise the
first reply segment, peak memory, and intent accuracy.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

from intents.conversation import Conversation
from local_voice.audio import read_wav
from local_voice.endpointing import FRAME_BYTES, Endpointer, EndpointSettings, Event
from local_voice.engines import make_recogniser
from local_voice.readings import best_reading
from local_voice.recogniser import Recogniser
from local_voice.speech_output import DEFAULT_RATE_WPM, Synthesiser
from local_voice.spoken_set import SpokenItem, intent_matches, load_questions, synthesise_set

REPO = Path(__file__).resolve().parent.parent
QUESTIONS = REPO / "tests" / "local_voice" / "spoken_questions.yaml"


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def accuracy(recogniser: Recogniser, items: list[SpokenItem]) -> tuple[float, float, list[str]]:
    """Share of files whose transcript the core maps to the expected intent; and the RTF."""
    from intents.understanding import understand

    hits, audio_s, decode_s, misses = 0, 0.0, 0.0, []
    for item in items:
        audio = read_wav(item.path).audio
        started = time.perf_counter()
        text = best_reading(recogniser.transcribe(audio.pcm()), understand)
        decode_s += time.perf_counter() - started
        audio_s += audio.seconds
        got = understand(text).intent
        if intent_matches(item.intent, got):
            hits += 1
        else:
            misses.append(f"{item.intent} -> {got}: {item.text!r} heard {text!r}")
    return hits / len(items), decode_s / audio_s, misses


def reply_latency(
    recogniser: Recogniser, items: list[SpokenItem], synth: Synthesiser
) -> tuple[list[float], list[float]]:
    """Stream each file as if live; time from the endpoint to the first reply audio ready."""
    from intents.understanding import understand

    latencies, first_segment = [], []
    settings = EndpointSettings(end_silence=1.0)
    for item in items:
        audio = read_wav(item.path).audio
        pcm = audio.pcm() + bytes(FRAME_BYTES * 40)  # 1.2 s of trailing silence
        endpointer, conversation = Endpointer(settings), Conversation(surface="offline")
        recogniser.start()
        for start in range(0, len(pcm) - FRAME_BYTES + 1, FRAME_BYTES):
            frame = pcm[start : start + FRAME_BYTES]
            event = endpointer.push(frame)
            if event is Event.START:
                recogniser.feed(b"".join(endpointer.pre_roll))
            elif endpointer.in_speech:
                recogniser.feed(frame)
            if event in (Event.END, Event.MAX_TURN):
                break
        ended = time.perf_counter()
        reply = conversation.say(best_reading(recogniser.finish(), understand))
        synth_started = time.perf_counter()
        synth.render(reply.speech[0].text, DEFAULT_RATE_WPM)
        done = time.perf_counter()
        latencies.append(done - ended)
        first_segment.append(done - synth_started)
    return latencies, first_segment


def run(engine: str, per_intent: int | None, latency_items: int) -> None:
    pairs = load_questions(QUESTIONS, per_intent)
    with tempfile.TemporaryDirectory() as tmp:
        clean = synthesise_set(pairs, Path(tmp) / "clean")
        noisy = synthesise_set(pairs, Path(tmp) / "noisy", snr_db=20)
        started = time.perf_counter()
        recogniser = make_recogniser(engine)
        load_s = time.perf_counter() - started
        from intents.understanding import understand

        understand("warm up the classifier")
        synth = Synthesiser("en-GB")
        synth.start()
        clean_acc, rtf, clean_misses = accuracy(recogniser, clean)
        noisy_acc, _, noisy_misses = accuracy(recogniser, noisy)
        latencies, first = reply_latency(recogniser, clean[:latency_items], synth)
        synth.close()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"engine: {recogniser.name}   utterances: {len(clean)} clean + {len(noisy)} noisy")
    print(f"model load time:                 {load_s * 1000:.0f} ms")
    print(f"real-time factor (whole files):  {rtf:.3f}")
    print(
        f"end of speech -> first audio:    median {statistics.median(latencies) * 1000:.0f} ms,"
        f" p90 {_percentile(latencies, 0.9) * 1000:.0f} ms (after the {1.0:.1f} s end silence)"
    )
    print(f"synthesise first reply segment:  median {statistics.median(first) * 1000:.0f} ms")
    print(f"peak memory (this process):      {peak_mb:.0f} MB")
    print(f"intent accuracy, clean:          {clean_acc:.1%}")
    print(f"intent accuracy, 20 dB SNR:      {noisy_acc:.1%}")
    if "--misses" in sys.argv:
        print("\n".join(["misses (clean):", *clean_misses, "misses (noisy):", *noisy_misses]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--engine", default="pocketsphinx", choices=["auto", "vosk", "pocketsphinx"]
    )
    parser.add_argument("--per-intent", type=int, default=None, help="questions per intent")
    parser.add_argument("--latency-items", type=int, default=40)
    parser.add_argument("--misses", action="store_true", help="list the misrecognised files")
    args = parser.parse_args()
    run(args.engine, args.per_intent, args.latency_items)


if __name__ == "__main__":
    main()
