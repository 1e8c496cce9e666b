"""One batch of raw records through validation, enrichment and the sink, without Kafka.

The Faust agent hands each batch to ``BatchProcessor`` and only sends what it returns; the
same object is exercised directly by unit tests. Sink writes retry with capped exponential
backoff until they succeed, because the stream must not move past records it has not stored.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from processors.dead_letters import Record, decode_record, enrichment_failure
from processors.enrichment import Enricher
from processors.enrichment.events import cooperation_events
from processors.sinks import Sink, SinkUnavailable
from schemas import CooperationEvent, DeadLetter, EnrichedArticle, RawArticle

log = logging.getLogger("coopwire.worker")


@dataclass
class BatchOutcome:
    enriched: list[EnrichedArticle] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)
    events: list[CooperationEvent] = field(default_factory=list)


class BatchProcessor:
    def __init__(
        self,
        enricher: Enricher,
        sink: Sink,
        *,
        max_message_bytes: int,
        retry_max_s: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.enricher = enricher
        self.sink = sink
        self.max_message_bytes = max_message_bytes
        self.retry_max_s = retry_max_s
        self._sleep = sleep

    def enrich(self, records: Sequence[Record]) -> BatchOutcome:
        outcome = BatchOutcome()
        valid: list[tuple[Record, RawArticle]] = []
        for record in records:
            decoded = decode_record(record, self.max_message_bytes)
            if isinstance(decoded, DeadLetter):
                outcome.dead_letters.append(decoded)
            else:
                valid.append((record, decoded))
        if not valid:
            return outcome
        try:
            enriched = self.enricher.enrich_many([article for _, article in valid])
        except Exception:
            # One bad article must not sink the batch: retry one by one to find it.
            enriched = []
            for record, article in valid:
                try:
                    enriched.extend(self.enricher.enrich_many([article]))
                except Exception as exc:
                    log.exception("enrichment failed for article %s", article.id)
                    outcome.dead_letters.append(enrichment_failure(record, exc))
        outcome.enriched = enriched
        outcome.events = [event for article in enriched for event in cooperation_events(article)]
        return outcome

    def store(self, outcome: BatchOutcome) -> None:
        """Write to the sink, waiting out outages with backoff (and saying so in the log)."""
        if not outcome.enriched:
            return
        delay = 0.5
        attempt = 1
        while True:
            try:
                self.sink.write(outcome.enriched)
                if attempt > 1:
                    log.warning(
                        "sink %s is back; wrote %d articles after %d attempts",
                        self.sink.url_redacted,
                        len(outcome.enriched),
                        attempt,
                    )
                return
            except SinkUnavailable as exc:
                log.warning(
                    "waiting for sink %s (attempt %d, retry in %.1fs): %s",
                    self.sink.url_redacted,
                    attempt,
                    delay,
                    exc,
                )
                self._sleep(delay)
                delay = min(delay * 2, self.retry_max_s)
                attempt += 1
