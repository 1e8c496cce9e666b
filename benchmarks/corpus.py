"""Synthetic but realistic benchmark articles, built from the project's own labelled articles.

Lengths follow a log-uniform mix between 500 and 6,000 characters and languages a news-feed mix
led by English and French, then Spanish, German, Portuguese, Italian and Dutch (every language
the pipeline has data for, English with its statistical pipeline), so the cost per article
resembles a real stream. Sentences come from ``samples/articles.jsonl`` and the real-news corpus
``corpus/news``. Generation is seeded: the same N gives the same articles in every run.
"""

from __future__ import annotations

import json
import math
import random
import re
from pathlib import Path

from schemas import RawArticle

ROOT = Path(__file__).resolve().parent.parent
SOURCES = (ROOT / "samples" / "articles.jsonl", *sorted((ROOT / "corpus" / "news").glob("*.jsonl")))
LANGUAGE_MIX = {"en": 0.28, "fr": 0.24, "es": 0.12, "de": 0.12, "pt": 0.08, "it": 0.08, "nl": 0.08}
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def _sentences_by_language() -> dict[str, list[str]]:
    pool: dict[str, list[str]] = {}
    for source in SOURCES:
        for line in source.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            obj = json.loads(line)
            lang = obj.get("labels", {}).get("lang")
            if lang not in LANGUAGE_MIX:
                continue
            for paragraph in obj["text"].split("\n"):
                pool.setdefault(lang, []).extend(
                    s.strip() for s in _SENTENCE_END.split(paragraph) if len(s.strip()) > 20
                )
    return pool


def generate(
    n: int, *, seed: int = 7, min_chars: int = 500, max_chars: int = 6000, prefix: str = "bench"
) -> list[RawArticle]:
    rng = random.Random(seed)
    pool = _sentences_by_language()
    # The mix is drawn from its own generator, so it does not shift when the corpus the
    # sentences come from grows (sentence draws consume the main generator).
    mix = random.Random(seed)
    languages = list(LANGUAGE_MIX)
    weights = [LANGUAGE_MIX[lang] for lang in languages]
    articles = []
    for i in range(n):
        lang = mix.choices(languages, weights)[0]
        target = math.exp(rng.uniform(math.log(min_chars), math.log(max_chars)))
        sentences: list[str] = []
        length = 0
        while length < target:
            sentence = rng.choice(pool[lang])
            sentences.append(sentence)
            length += len(sentence) + 1
        paragraphs = [" ".join(sentences[j : j + 4]) for j in range(0, len(sentences), 4)]
        articles.append(
            RawArticle(
                id=f"{prefix}-{i:06d}",
                title=sentences[0][:90],
                text="\n\n".join(paragraphs),
                source="benchmark",
                language_hint=None,
            )
        )
    return articles


def short_articles(n: int, *, seed: int = 11, prefix: str = "short") -> list[RawArticle]:
    """Articles of two or three sentences, for memory runs where the NLP is not the point."""
    return generate(n, seed=seed, min_chars=150, max_chars=400, prefix=prefix)
