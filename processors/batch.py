"""One batch of raw records through validation, enrichment and the sink, without Kafka.

The Faust agent hands each batch to ``BatchProcessor`` and only sends what it returns; the
same object is exercised directly by unit tests. Sink writes retry with capped exponential
backoff until they succeed, because the stream must not move past records it has not stored.
An article the sink refuses for good (``SinkRejected``, e.g. a NUL character PostgreSQL cannot
store) is dead-lettered instead, so one bad row never stalls a partition.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

from processors.dead_letters import Record, decode_record, enrichment_failure, sink_rejection
from processors.delivery import Delivery, PreparedArticle, prepare
from processors.enrichment import Enricher
from processors.enrichment.events import cooperation_events
from processors.sinks import Sink, SinkRejected, SinkUnavailable
from processors.sinks.base import ArticleRows, rows_of
from schemas import CooperationEvent, DeadLetter, EnrichedArticle, RawArticle

log = logging.getLogger("coopwire.worker")


class StoreAborted(Exception):
    """The worker is shutting down while the sink was still unreachable; nothing was acked."""


@dataclass
class BatchOutcome:
    enriched: list[EnrichedArticle] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)
    events: list[CooperationEvent] = field(default_factory=list)
    #: The record each enriched article came from, by article id (for late dead letters).
    sources: dict[str, Record] = field(default_factory=dict)


def enrich_records(
    enricher: Enricher, records: Sequence[Record], max_message_bytes: int
) -> BatchOutcome:
    """Validate, enrich and derive events for one batch: the same code in the worker's child
    process and in process. Bad records become dead letters; nothing raises for one article."""
    outcome = BatchOutcome()
    valid: list[tuple[Record, RawArticle]] = []
    for record in records:
        decoded = decode_record(record, max_message_bytes)
        if isinstance(decoded, DeadLetter):
            outcome.dead_letters.append(decoded)
        else:
            valid.append((record, decoded))
    if not valid:
        return outcome
    try:
        enriched = enricher.enrich_many([article for _, article in valid])
        events = [cooperation_events(article) for article in enriched]
    except Exception:
        # One bad article must not sink the batch: retry one by one to find it.
        enriched, events = [], []
        for record, article in valid:
            try:
                one = enricher.enrich_many([article])
                one_events = [cooperation_events(a) for a in one]
            except Exception as exc:
                log.exception("enrichment failed for article %s", article.id)
                outcome.dead_letters.append(enrichment_failure(record, exc))
                continue
            enriched.extend(one)
            events.extend(one_events)
    # Every valid record gives one enriched message, duplicates included (the sink keeps
    # one row per id; topic consumers dedupe by key).
    outcome.enriched = enriched
    outcome.sources = {article.id: record for record, article in valid}
    outcome.events = [event for per_article in events for event in per_article]
    return outcome


class BatchProcessor:
    def __init__(
        self,
        enricher: Enricher | None,
        sink: Sink,
        *,
        max_message_bytes: int,
        retry_max_s: float = 30.0,
        retry_first_s: float = 0.5,
    ) -> None:
        self.enricher = enricher
        self.sink = sink
        self.max_message_bytes = max_message_bytes
        self.retry_max_s = retry_max_s
        self.retry_first_s = retry_first_s
        self._stopping = threading.Event()

    def stop(self) -> None:
        """Make a waiting ``store`` give up (shutdown); the batch stays unacked and is re-read."""
        self._stopping.set()

    def enrich(self, records: Sequence[Record]) -> Delivery:
        """Enrich in this process (``COOPWIRE_WORKER_ENRICHMENT_PROCESS=false``, unit tests)."""
        if self.enricher is None:
            raise RuntimeError("this batch processor only stores: enrichment runs elsewhere")
        return prepare(enrich_records(self.enricher, records, self.max_message_bytes))

    def store(self, delivery: Delivery) -> None:
        """Write to the sink, waiting out outages with backoff (and saying so in the log).

        Returns only once every enriched article is stored or dead-lettered; raises
        ``StoreAborted`` when the worker stops while the sink is still away."""
        if not delivery.enriched:
            return
        try:
            self._write_with_retry([article.rows for article in delivery.enriched])
        except SinkRejected as exc:
            log.warning(
                "sink refused a batch of %d (%s); writing one by one", len(delivery.enriched), exc
            )
            self._write_one_by_one(delivery)

    def _write_one_by_one(self, delivery: Delivery) -> None:
        kept: list[PreparedArticle] = []
        for article in delivery.enriched:
            try:
                self._write_with_retry([article.rows])
                kept.append(article)
            except SinkRejected as exc:
                log.error("sink refused article %s for good: %s", article.id, exc)
                delivery.dead_letters.append(sink_rejection(delivery.sources[article.id], exc))
        # A refused article is neither sent nor are its events.
        delivery.enriched = kept

    def _write_with_retry(self, articles: Sequence[ArticleRows]) -> None:
        delay = self.retry_first_s
        attempt = 1
        while True:
            try:
                self.sink.write_rows(rows_of(articles))
                if attempt > 1:
                    log.warning(
                        "sink %s is back; wrote %d articles after %d attempts",
                        self.sink.url_redacted,
                        len(articles),
                        attempt,
                    )
                return
            except SinkUnavailable as exc:
                log.warning(
                    "waiting for sink %s to write %d articles (attempt %d, retry in %.1fs): %s",
                    self.sink.url_redacted,
                    len(articles),
                    attempt,
                    delay,
                    exc,
                )
                if self._stopping.wait(delay):
                    raise StoreAborted(
                        f"stopped while waiting for {self.sink.url_redacted}"
                    ) from exc
                delay = min(delay * 2, self.retry_max_s)
                attempt += 1
