"""The enrichment pipeline: language, then entities, countries and cooperation.

``Enricher.enrich_many`` is the fast path (one ``nlp.pipe`` call per language per batch); the
worker and the offline commands both call it, so their output is identical for the same input.
Gazetteer automata and spaCy pipelines are built once per process and per language.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from spacy.tokens import Doc

from processors.enrichment.cooperation import analyse
from processors.enrichment.entities import extract_entities, fold_entities
from processors.enrichment.first_names import first_names
from processors.enrichment.language import UNDETERMINED, detect_language
from processors.enrichment.language_profiles import profiles
from processors.enrichment.lexicon import available_languages, find_places, lexicon_for
from processors.enrichment.models import load_pipeline
from processors.enrichment.text import fold
from schemas import (
    Cooperation,
    EnrichedArticle,
    Entity,
    EntityType,
    Language,
    Processing,
    RawArticle,
)

PIPELINE_VERSION = "0.9.0"
# Entities and cooperation read at most this much of the body: NER cost grows with length, and
# a 100 KB page (often a concatenation) must not cost 50 times a news article of 2-10 KB.
ANALYSIS_MAX_CHARS = 30_000
TITLE_SEPARATOR = "\n\n"


class Enricher:
    def __init__(
        self,
        *,
        language_max_chars: int = 2000,
        batch_size: int = 32,
        analysis_max_chars: int = ANALYSIS_MAX_CHARS,
    ) -> None:
        self.language_max_chars = language_max_chars
        self.batch_size = batch_size
        self.analysis_max_chars = analysis_max_chars
        # CPU seconds per stage since this Enricher was made ("language", "ner", "rules",
        # "build"): the benchmark reports where the time goes from these, measured on the one
        # path the worker runs rather than on a copy of it.
        self.cpu_seconds: Counter[str] = Counter()

    def warm_up(self) -> None:
        """Load every installed spaCy pipeline and build every language's automata now.

        Loading is lazy otherwise, and the first French article would then stall its batch for
        seconds (measured: ~5 s on a busy 2-core machine) while the partition's lag grows.
        """
        first_names()  # the given-name list of rule-found persons (~0.5 s to read)
        profiles()  # langdetect's profiles as arrays (~1 s to build)
        for code in available_languages():
            lexicon_for(code)
            nlp = load_pipeline(code)
            if nlp is not None:
                nlp("Warm-up.")

    def enrich(self, article: RawArticle) -> EnrichedArticle:
        return self.enrich_many([article])[0]

    def enrich_many(self, articles: Sequence[RawArticle]) -> list[EnrichedArticle]:
        clock, spent = time.process_time, self.cpu_seconds
        started = [time.perf_counter() for _ in articles]
        begun = clock()
        languages = [detect_language(a.title, a.text, self.language_max_chars) for a in articles]
        spent["language"] += (ner_begun := clock()) - begun
        docs: list[Doc | None] = [None] * len(articles)
        by_lang: dict[str, list[int]] = {}
        for i, lang in enumerate(languages):
            by_lang.setdefault(lang.code, []).append(i)
        for code, indices in by_lang.items():
            nlp = load_pipeline(code)
            if nlp is None:
                continue
            texts = (full_text(articles[i], self.analysis_max_chars) for i in indices)
            for i, doc in zip(indices, nlp.pipe(texts, batch_size=self.batch_size), strict=True):
                docs[i] = doc
        spent["ner"] += clock() - ner_begun
        results = []
        for i, article in enumerate(articles):
            rules_begun = clock()
            entities, countries, cooperation = analyse_article(
                article, languages[i], docs[i], self.analysis_max_chars
            )
            spent["rules"] += (build_begun := clock()) - rules_begun
            results.append(
                _build(article, languages[i], entities, countries, cooperation, started[i])
            )
            spent["build"] += clock() - build_begun
        return results


def full_text(article: RawArticle, max_chars: int = ANALYSIS_MAX_CHARS) -> str:
    """Title and body as one text (the offsets every extractor works on), the body cut at the
    last paragraph or sentence end before ``max_chars``."""
    body = article.text
    if len(body) > max_chars:
        head = body[:max_chars]
        cut = max(head.rfind("\n"), head.rfind(". "))
        body = head[: cut + 1] if cut > max_chars // 2 else head
    return f"{article.title}{TITLE_SEPARATOR}{body}" if article.title else body


def body_offset(article: RawArticle) -> int:
    """Where the article's own text starts in ``full_text`` (evidence offsets count from it)."""
    return len(article.title) + len(TITLE_SEPARATOR) if article.title else 0


def analyse_article(
    article: RawArticle,
    language: Language,
    doc: Doc | None,
    max_chars: int = ANALYSIS_MAX_CHARS,
) -> tuple[list[Entity], list[str], Cooperation]:
    """Entities, countries and cooperation of one article (spaCy ``doc`` when available)."""
    code = (
        article.language_hint
        if language.code == UNDETERMINED and article.language_hint
        else language.code
    )
    lex = lexicon_for(code)
    text = full_text(article, max_chars)
    folded = fold(text)
    lowered = folded.lower()
    places = find_places(lex, folded, lowered)
    organizations = lex.organizations.find(folded, lowered)
    mentions = extract_entities(text, folded, lex, places, organizations, doc)
    entities = [
        Entity(
            text=f.text,
            type=EntityType(f.type),
            canonical=f.canonical,
            country=f.country,
            count=f.count,
            aliases=f.aliases,
        )
        for f in fold_entities(mentions)
    ]
    cooperation = analyse(text, folded, lex, places, organizations, body_offset(article))
    # A pair found through a national agency ("l'OCAM et la DGSI") involves its country too.
    countries = sorted(
        {m.payload.code for m in places} | {c for p in cooperation.pairs for c in p.countries}
    )
    return entities, countries, cooperation


def _build(
    article: RawArticle,
    language: Language,
    entities: list[Entity],
    countries: list[str],
    cooperation: Cooperation,
    started: float,
) -> EnrichedArticle:
    return EnrichedArticle(
        **article.model_dump(),
        language=language,
        entities=entities,
        countries=countries,
        cooperation=cooperation,
        processing=Processing(
            pipeline_version=PIPELINE_VERSION,
            processed_at=datetime.now(UTC),
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
