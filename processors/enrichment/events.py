"""GDELT-like cooperation events: one per cooperating country pair per article."""

from __future__ import annotations

from schemas import CooperationEvent, EnrichedArticle


def cooperation_events(article: EnrichedArticle) -> list[CooperationEvent]:
    return [
        CooperationEvent(
            event_id=f"{article.id}:{pair.countries[0]}-{pair.countries[1]}",
            article_id=article.id,
            country_a=pair.countries[0],
            country_b=pair.countries[1],
            topics=pair.topics,
            score=article.cooperation.score,
            evidence=pair.evidence,
            url=article.url,
            source=article.source,
            published_at=article.published_at,
            language=article.language.code,
            processed_at=article.processing.processed_at,
        )
        for pair in article.cooperation.pairs
    ]
