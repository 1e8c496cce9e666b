"""The Faust app: ``articles.raw`` in; ``articles.enriched``, ``cooperation.events``,
``articles.dlq`` and the sink out.

The agent reads raw bytes (Faust's own decoding would commit and then drop a bad record) and
reads like its job: decode, enrich, store, send, ack. ``take_events`` acks a batch only after
the loop body returns, and the body does not return before the sink write and every send
succeeded, so the consumer offset never passes an unstored record (at-least-once).

Run with ``coopwire worker`` (or ``faust -A processors.app worker``).
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import faust

from coopwire.settings import Settings, get_settings
from processors.batch import BatchOutcome, BatchProcessor
from processors.dead_letters import Record
from processors.enrichment import Enricher
from processors.kafka_credentials import faust_broker_options
from processors.metrics import setup_metrics
from processors.sinks import open_sink
from schemas import encode

log = logging.getLogger("coopwire.worker")


def create_app(settings: Settings) -> faust.App:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    app = faust.App(
        settings.app_id,
        **faust_broker_options(settings),
        value_serializer="raw",
        key_serializer="raw",
        store="memory://",
        topic_partitions=settings.topic_partitions,
        topic_replication_factor=settings.topic_replication_factor,
        producer_acks=-1,
        producer_max_request_size=settings.max_message_bytes * 2,
        consumer_auto_offset_reset="earliest",
        web_host=settings.web_host,
        web_port=settings.web_port,
        web_enable_table_views=False,
        datadir=str(settings.data_dir / f"faust-{settings.web_port}"),
        broker_commit_every=1000,
        broker_commit_interval=1.0,
    )
    raw_topic = app.topic(
        settings.topic_raw,
        value_type=bytes,
        key_type=bytes,
        value_serializer="raw",
        key_serializer="raw",
    )
    enriched_topic = app.topic(
        settings.topic_enriched, value_serializer="raw", key_serializer="raw"
    )
    events_topic = app.topic(settings.topic_events, value_serializer="raw", key_serializer="raw")
    dlq_topic = app.topic(settings.topic_dlq, value_serializer="raw", key_serializer="raw")

    metrics = setup_metrics(app, settings)
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="enrich")
    state: dict[str, BatchProcessor] = {}

    def processor() -> BatchProcessor:
        if "p" not in state:
            state["p"] = BatchProcessor(
                Enricher(
                    language_max_chars=settings.language_max_chars,
                    batch_size=settings.worker_batch_size,
                ),
                open_sink(settings.sink_url),
                max_message_bytes=settings.max_message_bytes,
                retry_max_s=settings.sink_retry_max_s,
            )
        return state["p"]

    async def send_outcome(outcome: BatchOutcome) -> None:
        futures = []
        for article in outcome.enriched:
            futures.append(
                await enriched_topic.send(key=article.id.encode(), value=encode(article))
            )
        for event in outcome.events:
            futures.append(
                await events_topic.send(key=event.event_id.encode(), value=encode(event))
            )
        for letter in outcome.dead_letters:
            futures.append(
                await dlq_topic.send(key=(letter.key or "").encode() or None, value=encode(letter))
            )
        await asyncio.gather(*futures)

    @app.agent(raw_topic, name="enrich-articles")
    async def enrich_articles(stream: faust.StreamT) -> None:
        loop = asyncio.get_running_loop()
        async for events in stream.take_events(
            settings.worker_batch_size, within=settings.worker_batch_within_s
        ):
            records = [
                Record(
                    e.message.topic,
                    e.message.partition,
                    e.message.offset,
                    e.message.key,
                    e.message.value,
                )
                for e in events
            ]
            with metrics.time_enrichment():
                outcome = await loop.run_in_executor(executor, processor().enrich, records)
            with metrics.time_sink_write():
                await loop.run_in_executor(executor, processor().store, outcome)
            await send_outcome(outcome)
            metrics.record_batch(records, outcome)
            log.info(
                "batch: %d in, %d enriched, %d dead-lettered",
                len(records),
                len(outcome.enriched),
                len(outcome.dead_letters),
            )

    @app.on_before_shutdown.connect
    async def _close(app: faust.App, **kwargs: Any) -> None:
        if "p" in state:
            state["p"].sink.close()

    return app


def __getattr__(name: str) -> Any:
    """``faust -A processors.app worker`` finds ``app``; importing this module builds nothing."""
    if name == "app":
        globals()["app"] = create_app(get_settings())
        return globals()["app"]
    raise AttributeError(name)
