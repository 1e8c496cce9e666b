"""Language identification with langdetect, made deterministic and bounded.

langdetect is random by design (it samples n-grams); a fixed seed makes the same text give the
same answer on every worker. Work is bounded by reading at most ``max_chars`` characters: news
language is settled in the first paragraphs, and a 100 KB text must not cost 50x a 2 KB one.
"""

from __future__ import annotations

from langdetect import detector_factory
from langdetect.lang_detect_exception import LangDetectException

from schemas import Language

UNDETERMINED = "und"
MIN_LETTERS = 20
MIN_CONFIDENCE = 0.60


def _factory() -> detector_factory.DetectorFactory:
    """The loaded language profiles (read once per process), with a fixed seed."""
    detector_factory.init_factory()
    factory = detector_factory._factory
    assert factory is not None
    factory.seed = 0
    return factory


def _sample(title: str | None, text: str, max_chars: int) -> str:
    body = text if len(text) <= max_chars else text[:max_chars].rsplit(" ", 1)[0]
    return f"{title}\n{body}" if title else body


def detect_language(title: str | None, text: str, max_chars: int = 2000) -> Language:
    sample = _sample(title, text, max_chars)
    if sum(ch.isalpha() for ch in sample) < MIN_LETTERS:
        return Language(code=UNDETERMINED, confidence=0.0)
    detector = _factory().create()
    detector.append(sample)
    try:
        best = detector.get_probabilities()[0]
    except (LangDetectException, IndexError):
        return Language(code=UNDETERMINED, confidence=0.0)
    code = best.lang.split("-", 1)[0]
    if best.prob < MIN_CONFIDENCE:
        return Language(code=UNDETERMINED, confidence=round(best.prob, 4))
    return Language(code=code, confidence=round(min(best.prob, 1.0), 4))
