"""A batch made ready to deliver: every message as bytes and every sink row as a tuple.

Enrichment gives pydantic models (``BatchOutcome``). The worker's main process only has to
store and send them, and its CPU is shared with Kafka's client, the stream framework and
the enrichment process. So the models are serialised once, where they are made (in the
enrichment process), into what delivery needs: the article's JSON (sent, and stored as the
row's payload), its table rows and its cooperation events' messages. The main process then
never parses, validates or dumps a model again.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from processors.dead_letters import Record
from processors.enrichment.events import cooperation_events
from processors.sinks.base import ArticleRows, article_rows
from schemas import CooperationEvent, DeadLetter, encode

if TYPE_CHECKING:  # batch.py prepares its deliveries with this module
    from processors.batch import BatchOutcome


@dataclass(frozen=True)
class PreparedArticle:
    id: str
    #: The enriched article's JSON, as sent to the enriched topic and stored as its payload.
    value: bytes
    rows: ArticleRows
    #: Its cooperation events as (key, value) messages: sent only once the article is stored.
    events: list[tuple[bytes, bytes]]


@dataclass
class Delivery:
    enriched: list[PreparedArticle] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)
    #: The record each enriched article came from, by article id (for late dead letters).
    sources: dict[str, Record] = field(default_factory=dict)

    @property
    def events(self) -> list[tuple[bytes, bytes]]:
        return [event for article in self.enriched for event in article.events]


def prepare(outcome: BatchOutcome) -> Delivery:
    """Serialise an enrichment outcome once, for the sink and the topics."""
    by_article: dict[str, list[CooperationEvent]] = {}
    for event in outcome.events:
        by_article.setdefault(event.article_id, []).append(event)
    repeated = {id_ for id_, n in Counter(a.id for a in outcome.enriched).items() if n > 1}
    enriched = []
    for article in outcome.enriched:
        value = encode(article)
        # An id repeated in one batch (a re-sent message) has its events derived again.
        events = (
            cooperation_events(article)
            if article.id in repeated
            else by_article.get(article.id, [])
        )
        enriched.append(
            PreparedArticle(
                article.id,
                value,
                article_rows(article, value, events),
                [(event.event_id.encode(), encode(event)) for event in events],
            )
        )
    return Delivery(enriched, list(outcome.dead_letters), dict(outcome.sources))
