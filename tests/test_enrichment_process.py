"""The worker's enrichment child process, for real (spawned, models loaded), without Kafka:
it gives the same outcome as enrichment in process, its death is noticed (in a batch and when
idle), and a stop during a batch is a stop, not a crash."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator

import orjson
import pytest

from processors.batch import enrich_records
from processors.dead_letters import Record
from processors.delivery import Delivery, prepare
from processors.enrichment import Enricher
from processors.enrichment_process import (
    EnrichmentProcess,
    EnrichmentProcessDied,
    EnrichmentStopped,
)
from schemas import encode
from tests.bad_messages import BAD_MESSAGES, MAX_BYTES
from tests.labelled_samples import labelled


class Deaths:
    """What the watchdog reported (instead of exiting the test process)."""

    def __init__(self) -> None:
        self.reasons: list[str] = []
        self.seen = threading.Event()

    def __call__(self, reason: str) -> None:
        self.reasons.append(reason)
        self.seen.set()


def start_child(deaths: Deaths) -> EnrichmentProcess:
    child = EnrichmentProcess(
        language_max_chars=2000, batch_size=16, max_message_bytes=MAX_BYTES, on_death=deaths
    )
    child.start(timeout_s=300)
    return child


@pytest.fixture(scope="module")
def child() -> Iterator[EnrichmentProcess]:
    deaths = Deaths()
    process = start_child(deaths)
    yield process
    process.close()
    assert deaths.reasons == [], "the child died during the tests"


def records() -> list[Record]:
    good = [
        Record("t.raw", i % 4, 100 + i, obj["id"].encode(), orjson.dumps(obj))
        for i, obj in enumerate(labelled()[:12])
    ]
    bad = [Record("t.raw", 1, 500 + i, b"bad", m.value) for i, m in enumerate(BAD_MESSAGES)]
    return [*good[:6], *bad, *good[6:]]


def comparable(delivery: Delivery) -> dict:
    """Every message and sink row of the delivery, without the times that differ between
    runs."""

    def plain(data: bytes | str) -> dict:
        obj = orjson.loads(data)
        obj.pop("failed_at", None)
        obj.pop("processed_at", None)
        if "processing" in obj:
            obj["processing"].pop("processed_at")
            obj["processing"].pop("duration_ms")
        return obj

    return {
        "enriched": [plain(a.value) for a in delivery.enriched],
        "events": [(key, plain(value)) for key, value in delivery.events],
        "article_rows": [
            (*a.rows.article[:10], plain(a.rows.article[11])) for a in delivery.enriched
        ],
        "entity_rows": [a.rows.entities for a in delivery.enriched],
        "event_rows": [[row[:8] for row in a.rows.events] for a in delivery.enriched],
        "dead_letters": [plain(encode(d)) for d in delivery.dead_letters],
        "sources": {k: (r.partition, r.offset) for k, r in delivery.sources.items()},
    }


def test_the_child_gives_the_same_outcome_as_enrichment_in_process(child: EnrichmentProcess):
    batch = records()
    in_child = child.enrich(batch)
    in_process = prepare(enrich_records(Enricher(batch_size=16), batch, MAX_BYTES))

    assert len(in_child.enriched) == 12 and len(in_child.dead_letters) == len(BAD_MESSAGES)
    assert in_child.events, "the labelled samples have cooperation events"
    assert comparable(in_child) == comparable(in_process)
    # The source of each article is the worker's own record object, for late dead letters.
    assert all(any(r is s for r in batch) for s in in_child.sources.values())


def test_the_child_serves_batch_after_batch(child: EnrichmentProcess):
    batch = records()
    sizes = [len(child.enrich(batch[i : i + 5]).enriched) for i in range(0, len(batch), 5)]
    assert sum(sizes) == 12


def test_a_killed_child_is_reported_in_a_batch_and_by_the_watchdog():
    deaths = Deaths()
    child = start_child(deaths)
    assert child.pid is not None
    os.kill(child.pid, signal.SIGKILL)
    assert deaths.seen.wait(30), "the watchdog did not notice the death"
    assert f"pid={child.pid} died (exit code -9)" in deaths.reasons[0]
    with pytest.raises(EnrichmentProcessDied, match="exit code -9"):
        child.enrich(records()[:2])
    child.close()


def test_closing_the_child_mid_batch_is_a_stop_not_a_death():
    deaths = Deaths()
    child = start_child(deaths)
    result: list[BaseException | Delivery] = []

    def enrich_many_batches() -> None:
        try:
            for _ in range(200):
                result.append(child.enrich(records()))
        except BaseException as exc:
            result.append(exc)

    thread = threading.Thread(target=enrich_many_batches)
    thread.start()
    while not result:  # at least one batch went through
        thread.join(0.1)
    child.close()
    thread.join(60)
    assert isinstance(result[-1], EnrichmentStopped), result[-1]
    assert deaths.reasons == []
