"""The enrichment pipeline: language, then entities, countries and cooperation.

``Enricher.enrich_many`` is the fast path (one ``nlp.pipe`` call per language per batch); the
worker and the offline commands both call it, so their output is identical for the same input.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from processors.enrichment.entities import entities_from_doc
from processors.enrichment.language import detect_language
from processors.enrichment.models import load_pipeline
from schemas import Cooperation, EnrichedArticle, Entity, Language, Processing, RawArticle

PIPELINE_VERSION = "0.1.0"


class Enricher:
    def __init__(self, *, language_max_chars: int = 2000, batch_size: int = 32) -> None:
        self.language_max_chars = language_max_chars
        self.batch_size = batch_size

    def enrich(self, article: RawArticle) -> EnrichedArticle:
        return self.enrich_many([article])[0]

    def enrich_many(self, articles: Sequence[RawArticle]) -> list[EnrichedArticle]:
        started = [time.perf_counter() for _ in articles]
        languages = [detect_language(a.title, a.text, self.language_max_chars) for a in articles]
        entities: list[list[Entity]] = [[] for _ in articles]
        by_lang: dict[str, list[int]] = {}
        for i, lang in enumerate(languages):
            by_lang.setdefault(lang.code, []).append(i)
        for code, indices in by_lang.items():
            nlp = load_pipeline(code)
            if nlp is None:
                continue
            texts = (_full_text(articles[i]) for i in indices)
            for i, doc in zip(indices, nlp.pipe(texts, batch_size=self.batch_size), strict=True):
                entities[i] = entities_from_doc(doc)
        finished = datetime.now(UTC)
        return [
            _build(article, languages[i], entities[i], started[i], finished)
            for i, article in enumerate(articles)
        ]


def _full_text(article: RawArticle) -> str:
    return f"{article.title}\n\n{article.text}" if article.title else article.text


def _build(
    article: RawArticle,
    language: Language,
    entities: list[Entity],
    started: float,
    finished: datetime,
) -> EnrichedArticle:
    countries = sorted({e.country for e in entities if e.country})
    return EnrichedArticle(
        **article.model_dump(),
        language=language,
        entities=entities,
        countries=countries,
        cooperation=Cooperation(),
        processing=Processing(
            pipeline_version=PIPELINE_VERSION,
            processed_at=finished,
            duration_ms=round((time.perf_counter() - started) * 1000, 3),
        ),
    )


_default: Enricher | None = None


def _enricher() -> Enricher:
    global _default
    if _default is None:
        _default = Enricher()
    return _default


def enrich(article: RawArticle) -> EnrichedArticle:
    return _enricher().enrich(article)


def enrich_many(articles: Iterable[RawArticle]) -> list[EnrichedArticle]:
    return _enricher().enrich_many(list(articles))
