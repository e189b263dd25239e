"""Measure language understanding on the development set: `python -m intents.benchmark`.

Prints accuracy, per-intent precision/recall, confusion pairs, out-of-domain false accepts,
crisis recall and false alarms, load time and time per utterance; `--compare` also runs the
alternative methods considered, on the same data in the same run.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import Counter
from collections.abc import Callable

from intents.catalog import default_catalog
from intents.devset import DevSet, load_dev_set
from intents.understanding import Recognition, Understanding, load_model, train, training_data

Recogniser = Callable[[str], Recognition]


def _percent(part: float, whole: float) -> str:
    return f"{100 * part / whole:5.1f}%" if whole else "  n/a"


def evaluate(name: str, recognise: Recogniser, dev: DevSet, load_s: float, detail: bool) -> None:
    labelled = dev.in_domain + dev.asr
    predicted = [(recognise(text).intent, intent) for text, intent in labelled]
    correct = sum(p == g for p, g in predicted)
    ood_accepts = sum(recognise(t).intent != "FallbackIntent" for t in dev.out_of_domain)
    crisis_hits = sum(recognise(t).intent == "CrisisIntent" for t in dev.crisis)
    non_crisis = dev.non_crisis()
    false_alarms = sum(recognise(t).intent == "CrisisIntent" for t in non_crisis)
    timings = []
    for text, _ in labelled:
        started = time.perf_counter()
        recognise(text)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    print(f"== {name}")
    print(
        f"in-domain accuracy      {_percent(correct, len(labelled))}  ({len(labelled)} utterances)"
    )
    asr_correct = sum(recognise(t).intent == g for t, g in dev.asr)
    print(f"  of which ASR-style    {_percent(asr_correct, len(dev.asr))}  ({len(dev.asr)})")
    print(
        f"out-of-domain accepted  {_percent(ood_accepts, len(dev.out_of_domain))}  "
        f"({len(dev.out_of_domain)}; target <= 5%)"
    )
    print(
        f"crisis recall           {_percent(crisis_hits, len(dev.crisis))}  "
        f"({len(dev.crisis)}; target 100%)"
    )
    print(
        f"crisis false alarms     {_percent(false_alarms, len(non_crisis))}  "
        f"({len(non_crisis)} non-crisis; target <= 3%)"
    )
    print(f"load time               {load_s * 1000:7.1f} ms")
    p99 = timings[min(len(timings) - 1, int(0.99 * len(timings)))]
    print(f"per utterance           median {statistics.median(timings):.2f} ms, p99 {p99:.2f} ms")
    if detail:
        _per_intent(predicted)


def _per_intent(predicted: list[tuple[str, str]]) -> None:
    print("per intent               precision  recall")
    for intent in sorted({g for _, g in predicted}):
        tp = sum(p == g == intent for p, g in predicted)
        said = sum(p == intent for p, _ in predicted)
        true = sum(g == intent for _, g in predicted)
        print(f"  {intent:28s} {_percent(tp, said)}   {_percent(tp, true)}")
    confusions = Counter((g, p) for p, g in predicted if p != g)
    print("confusion pairs (expected -> recognised: count)")
    for (gold, pred), count in confusions.most_common(12):
        print(f"  {gold} -> {pred}: {count}")


def _cold_load_ms() -> float:
    """What a user waits for: a fresh interpreter importing and loading the model."""
    import subprocess
    import sys

    code = (
        "import time; t = time.perf_counter(); "
        "from intents.understanding import default_understanding; default_understanding(); "
        "print((time.perf_counter() - t) * 1000)"
    )
    runs = [
        float(
            subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, check=True
            ).stdout
        )
        for _ in range(5)
    ]
    return statistics.median(runs)


def _threshold_sweep(understanding: Understanding, dev: DevSet) -> None:
    """How the rejection threshold trades in-domain accuracy against out-of-domain accepts."""
    import intents.understanding as module

    chosen = module.REJECT_BELOW
    print("rejection threshold sweep (threshold: in-domain accuracy, out-of-domain accepted)")
    labelled = dev.in_domain + dev.asr
    for threshold in (0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5):
        module.REJECT_BELOW = threshold
        correct = sum(understanding.recognise(t).intent == g for t, g in labelled)
        accepted = sum(
            understanding.recognise(t).intent != "FallbackIntent" for t in dev.out_of_domain
        )
        mark = "  <- chosen" if threshold == chosen else ""
        print(
            f"  {threshold:.2f}: {_percent(correct, len(labelled))}  "
            f"{_percent(accepted, len(dev.out_of_domain))}{mark}"
        )
    module.REJECT_BELOW = chosen


def _alternatives() -> dict[str, Callable[[], Recogniser]]:
    """Methods compared when choosing; each is built from the catalog alone."""
    from rapidfuzz import fuzz, process

    from intents.normalise import normalise

    catalog = default_catalog()

    def fuzzy() -> Recogniser:
        texts, labels = training_data(catalog)

        def recognise(text: str) -> Recognition:
            best = process.extractOne(normalise(text), texts, scorer=fuzz.token_set_ratio)
            if not best or best[1] < 70:
                return Recognition("FallbackIntent", {}, 0.0)
            return Recognition(labels[best[2]], {}, best[1] / 100)

        return recognise

    def svm() -> Recogniser:
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.pipeline import make_pipeline, make_union
        from sklearn.svm import LinearSVC

        features = make_union(
            TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
        )
        model = make_pipeline(features, CalibratedClassifierCV(LinearSVC(C=0.5), cv=3))
        texts, labels = training_data(catalog)
        model.fit(texts, labels)
        return Understanding(catalog, model).recognise

    return {"fuzzy nearest phrasing (rapidfuzz)": fuzzy, "linear SVM, calibrated": svm}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--compare", action="store_true", help="also run alternative methods")
    args = parser.parse_args()
    dev = load_dev_set()
    catalog = default_catalog()
    started = time.perf_counter()
    train(catalog)
    print(f"training from the catalog: {(time.perf_counter() - started):.2f} s (cached afterwards)")
    load_model(catalog)  # make sure the cache is warm before timing a load
    started = time.perf_counter()
    understanding = Understanding(catalog, load_model(catalog))
    evaluate(
        "chosen: TF-IDF words+chars, logistic regression",
        understanding.recognise,
        dev,
        time.perf_counter() - started,
        detail=True,
    )
    print(
        f"cold load in a new process (imports + cached model), median of 5: "
        f"{_cold_load_ms():.0f} ms (target < 1000 ms)"
    )
    _threshold_sweep(understanding, dev)
    if args.compare:
        for name, build in _alternatives().items():
            started = time.perf_counter()
            recognise = build()
            evaluate(name, recognise, dev, time.perf_counter() - started, detail=False)


if __name__ == "__main__":
    main()
