"""The sink interface and the rows every sink stores.

Writes are idempotent upserts keyed by article id: a re-delivered message (at-least-once)
replaces the article's rows instead of adding new ones.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from dataclasses import dataclass

import orjson

from coopwire_core.settings import redact_url
from processors.enrichment.events import cooperation_events
from schemas import CooperationEvent, EnrichedArticle, encode


class SinkUnavailable(Exception):
    """The sink cannot be reached right now; the caller retries with backoff."""


class SinkRejected(Exception):
    """The sink refuses this data for good (not an outage): retrying cannot help."""


@dataclass(frozen=True)
class ArticleRows:
    """One enriched article as table rows: its ``articles`` row, its entities and its
    cooperation events. Built where the article is enriched (the worker's child process), so
    the process that writes them only moves tuples of strings and numbers."""

    article_id: str
    article: tuple
    entities: list[tuple]
    events: list[tuple]


@dataclass(frozen=True)
class Rows:
    articles: list[tuple]
    entities: list[tuple]
    events: list[tuple]
    article_ids: list[str]


def article_rows(
    article: EnrichedArticle,
    payload: bytes | None = None,
    events: Sequence[CooperationEvent] | None = None,
) -> ArticleRows:
    """``payload`` (the article's JSON) and ``events`` are taken as given when the caller has
    them already, instead of being serialised and derived a second time."""
    if payload is None:
        payload = encode(article)
    if events is None:
        events = cooperation_events(article)
    return ArticleRows(
        article.id,
        (
            article.id,
            article.title,
            article.url,
            article.source,
            article.published_at,
            article.language.code,
            article.language.confidence,
            orjson.dumps(article.countries).decode(),
            article.cooperation.score,
            article.processing.pipeline_version,
            article.processing.processed_at.isoformat(),
            payload.decode(),
        ),
        [
            (
                article.id,
                entity.type.value,
                entity.canonical,
                entity.text,
                entity.country,
                entity.count,
            )
            for entity in article.entities
        ],
        [
            (
                event.event_id,
                event.article_id,
                event.country_a,
                event.country_b,
                orjson.dumps(event.topics).decode(),
                event.score,
                event.evidence,
                event.published_at,
                event.processed_at.isoformat(),
            )
            for event in events
        ],
    )


def rows_of(batch: Sequence[ArticleRows]) -> Rows:
    """Merge articles' rows into one batch of table rows. The last version of an id wins."""
    latest: dict[str, ArticleRows] = {}
    for one in batch:
        latest[one.article_id] = one
    return Rows(
        [one.article for one in latest.values()],
        [row for one in latest.values() for row in one.entities],
        [row for one in latest.values() for row in one.events],
        list(latest),
    )


def rows_for(batch: Sequence[EnrichedArticle]) -> Rows:
    """Flatten a batch into table rows. The last version of an id in the batch wins."""
    return rows_of([article_rows(article) for article in batch])


ARTICLE_COLUMNS = (
    "id, title, url, source, published_at, language, language_confidence, countries, "
    "cooperation_score, pipeline_version, processed_at, payload"
)
ENTITY_COLUMNS = "article_id, type, canonical, text, country, count"
EVENT_COLUMNS = (
    "event_id, article_id, country_a, country_b, topics, score, evidence, published_at, "
    "processed_at"
)


class Sink(abc.ABC):
    url: str

    @property
    def url_redacted(self) -> str:
        """The URL with any password masked, for logs."""
        return redact_url(self.url)

    def write(self, batch: Sequence[EnrichedArticle]) -> None:
        """Upsert a batch in one transaction; raise SinkUnavailable when it cannot be reached."""
        self.write_rows(rows_for(batch))

    @abc.abstractmethod
    def write_rows(self, rows: Rows) -> None:
        """``write`` for rows made already (``rows_of``): what the worker stores."""

    @abc.abstractmethod
    def ping(self) -> bool:
        """Whether the sink answers now (health checks)."""

    @abc.abstractmethod
    def query(self, sql: str, params: Sequence[object] = ()) -> list[tuple]:
        """Read-only SQL for reports and tests (parameters are always bound, never formatted)."""

    @abc.abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> Sink:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
