"""Language identification with langdetect's profiles, deterministic and cheap.

langdetect estimates by random walks what one sum gives exactly: the naive-Bayes score of a
text's n-grams under each language profile. ``language_profiles`` computes that sum with numpy
(same profiles, same n-grams, same language codes), so the same text gives the same answer on
every worker at a small fraction of langdetect's cost. Work is bounded by reading at most
``max_chars`` characters: news language is settled in the first paragraphs, and a 100 KB text
must not cost 50x a 2 KB one.
"""

from __future__ import annotations

from itertools import islice

import numpy as np

from processors.enrichment.language_profiles import profiles
from schemas import Language

UNDETERMINED = "und"
MIN_LETTERS = 20
MIN_CONFIDENCE = 0.60
# Most articles are settled by their first few hundred characters: when the head's best
# language leads the runner-up by DECISIVE nats (a likelihood ratio of e^100), the rest of the
# sample, in the same language, can only widen the lead, and reading it would cost 3-4x more.
HEAD_CHARS = 300
DECISIVE = 100.0


def _sample(title: str | None, text: str, max_chars: int) -> str:
    body = text if len(text) <= max_chars else text[:max_chars].rsplit(" ", 1)[0]
    return f"{title}\n{body}" if title else body


def _enough_letters(sample: str) -> bool:
    """At least MIN_LETTERS letters, counted only until there are enough."""
    return sum(1 for _ in islice(filter(str.isalpha, sample), MIN_LETTERS)) >= MIN_LETTERS


def detect_language(title: str | None, text: str, max_chars: int = 2000) -> Language:
    """The most probable language of title and body (ISO 639-1), or 'und' when the text is too
    short or no language reaches MIN_CONFIDENCE.

    The confidence is the best language's posterior probability (uniform prior, every n-gram
    counted once); langdetect's own is the average of its random walks, which it approximates.
    """
    sample = _sample(title, text, max_chars)
    if not _enough_letters(sample):
        return Language(code=UNDETERMINED, confidence=0.0)
    table = profiles()
    scores = _scores(sample)
    if scores is None:
        return Language(code=UNDETERMINED, confidence=0.0)
    posterior = np.exp(scores - scores.max())
    best = int(posterior.argmax())
    confidence = float(posterior[best] / posterior.sum())
    if confidence < MIN_CONFIDENCE:
        return Language(code=UNDETERMINED, confidence=round(confidence, 4))
    code = table.languages[best].split("-", 1)[0]
    return Language(code=code, confidence=round(min(confidence, 1.0), 4))


def _scores(sample: str) -> np.ndarray | None:
    """Per-language scores of the sample, or of its head alone when that already decides."""
    table = profiles()
    if len(sample) > 2 * HEAD_CHARS:
        head = table.score(sample[:HEAD_CHARS].rsplit(" ", 1)[0])
        if head is not None:
            second, best = np.partition(head, -2)[-2:]
            if best - second >= DECISIVE:
                return head
    return table.score(sample)
