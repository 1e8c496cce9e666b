"""The Faust app: ``articles.raw`` in; ``articles.enriched``, ``cooperation.events``,
``articles.dlq`` and the sink out.

The agent reads raw bytes (Faust's own decoding would commit and then drop a bad record) and
reads like its job: decode, enrich, store, send, ack. Batches come from ``noack_take``, so
nothing is acked unless the agent says so, and it says so only after the sink write and every
send succeeded; a failure is retried with backoff, never skipped. (``take_events`` would also
ack a batch whose body raised or was cancelled, when its generator is closed.) The consumer
offset therefore never passes an unstored record: at-least-once.

Run with ``coopwire worker`` (or ``faust -A processors.app worker``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import faust

from coopwire_core.kafka_credentials import faust_broker_options
from coopwire_core.settings import Settings, get_settings
from processors.batch import BatchProcessor, StoreAborted
from processors.dead_letters import Record, fit_dead_letter
from processors.delivery import Delivery
from processors.enrichment import Enricher
from processors.enrichment_process import (
    EnrichmentProcess,
    EnrichmentProcessDied,
    EnrichmentStopped,
    exit_worker,
)
from processors.kafka_transport import use_idempotent_producer
from processors.metrics import setup_metrics
from processors.sinks.factory import open_sink
from schemas import encode

log = logging.getLogger("coopwire.worker")
T = TypeVar("T")


def create_app(settings: Settings) -> faust.App:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    app = faust.App(
        settings.app_id,
        **faust_broker_options(settings),
        value_serializer="raw",
        key_serializer="raw",
        store="memory://",
        topic_partitions=settings.topic_partitions,
        # `coopwire worker` fills this in from the cluster (min(3, brokers)) before it gets here.
        topic_replication_factor=settings.topic_replication_factor or 1,
        producer_acks=-1,
        producer_max_request_size=settings.max_message_bytes * 2,
        consumer_auto_offset_reset="earliest",
        web_host=settings.web_host,
        web_bind=settings.web_host,  # Faust binds every interface unless told
        web_port=settings.web_port,
        web_enable_table_views=False,
        datadir=str(settings.data_dir / f"faust-{settings.web_port}"),
        broker_commit_every=1000,
        broker_commit_interval=1.0,
        broker_session_timeout=settings.worker_session_timeout_s,
        # Do not wait for in-flight batches before a stop or rebalance: one waiting for a sink
        # that is down would hold it forever. An unfinished batch is simply not acked, so it is
        # read again (by this worker or the partition's next owner); its offsets never commit.
        stream_wait_empty=False,
        broker_heartbeat_interval=min(3.0, settings.worker_session_timeout_s / 4),
    )
    if settings.worker_producer_idempotence:
        use_idempotent_producer(app)
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
    sink_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sink")
    state: dict[str, BatchProcessor] = {}
    # Models load before the worker joins the consumer group, not while it holds partitions:
    # in the enrichment process (the default), or here when that is turned off for debugging.
    child: EnrichmentProcess | None = None
    enricher: Enricher | None = None
    if settings.worker_enrichment_process:
        child = EnrichmentProcess(
            language_max_chars=settings.language_max_chars,
            batch_size=settings.worker_batch_size,
            max_message_bytes=settings.max_message_bytes,
        )
        child.start()
    else:
        enricher = Enricher(
            language_max_chars=settings.language_max_chars, batch_size=settings.worker_batch_size
        )
        enricher.warm_up()

    def processor() -> BatchProcessor:
        if "p" not in state:
            state["p"] = BatchProcessor(
                enricher,
                open_sink(settings.sink_url, connect_timeout_s=settings.sink_connect_timeout_s),
                max_message_bytes=settings.max_message_bytes,
                retry_max_s=settings.sink_retry_max_s,
            )
        return state["p"]

    async def send_delivery(delivery: Delivery) -> None:
        """Send the batch's messages and wait until the broker has every one of them.

        The messages are bytes already, so they go straight to the app's producer: a
        ``Topic.send`` per message would build Faust's pending-message objects and callbacks
        for each (a third of the main process's CPU in a profile, a dozen events per article).
        """
        producer = app.producer
        enriched = enriched_topic.get_topic_name()
        events = events_topic.get_topic_name()
        dead_letters = dlq_topic.get_topic_name()
        futures = []
        for article in delivery.enriched:
            futures.append(
                await producer.send(enriched, article.id.encode(), article.value, None, None, None)
            )
            for key, value in article.events:
                futures.append(await producer.send(events, key, value, None, None, None))
        for letter in delivery.dead_letters:
            letter = fit_dead_letter(letter, settings.max_message_bytes)
            futures.append(
                await producer.send(
                    dead_letters,
                    (letter.key or "").encode() or None,
                    encode(letter),
                    None,
                    None,
                    None,
                )
            )
        await asyncio.gather(*futures)

    async def until_done(what: str, size: int, step: Callable[[], Awaitable[T]]) -> T:
        """Run one step of a batch until it succeeds, with capped backoff, saying what it
        waits for. Giving up would mean acking records that were not processed."""
        delay, attempt = 0.5, 1
        while True:
            try:
                return await step()
            except (asyncio.CancelledError, StoreAborted, EnrichmentStopped):
                raise
            except EnrichmentProcessDied as exc:
                exit_worker(str(exc))  # never retried: the worker goes down with its child
            except Exception as exc:
                log.warning(
                    "%s of a batch of %d records failed (attempt %d, retry in %.1fs): %r",
                    what,
                    size,
                    attempt,
                    delay,
                    exc,
                    exc_info=attempt == 1,
                )
                await asyncio.sleep(delay)
                delay, attempt = min(delay * 2, settings.sink_retry_max_s), attempt + 1

    def enrich(records: list[Record]) -> Delivery:
        """Runs in the enrichment thread: hands the batch to the child, or enriches here."""
        if child is not None:
            return child.enrich(records)
        return processor().enrich(records)

    async def enrich_batch(records: list[Record]) -> Delivery:
        loop = asyncio.get_running_loop()
        with metrics.time_enrichment():
            return await until_done(
                "enrichment",
                len(records),
                lambda: loop.run_in_executor(executor, enrich, records),
            )

    async def deliver(
        stream: faust.StreamT, events: list[Any], records: list[Record], delivery: Delivery
    ) -> None:
        """Store, send, then ack: a batch's offsets move only after both succeeded."""
        loop = asyncio.get_running_loop()
        n = len(records)
        acked = False
        try:
            with metrics.time_sink_write():
                await until_done(
                    "sink write",
                    n,
                    lambda: loop.run_in_executor(sink_executor, processor().store, delivery),
                )
            await until_done("sending", n, lambda: send_delivery(delivery))
            for event in events:
                await stream.ack(event)
            acked = True
        finally:
            metrics.batch_done(n, acked)
        metrics.record_batch(records, delivery)
        log.info(
            "batch: %d in, %d enriched, %d dead-lettered",
            n,
            len(delivery.enriched),
            len(delivery.dead_letters),
        )

    @app.agent(raw_topic, name="enrich-articles", concurrency=1)
    async def enrich_articles(stream: faust.StreamT) -> None:
        # Batch k is stored and sent while batch k+1 is enriched (the sink has its own thread):
        # the CPU keeps enriching instead of waiting on I/O. At most one batch is in delivery,
        # and batches are acked in order. A batch whose delivery is cancelled (stop, rebalance)
        # stays unacked and is read again; the sink upserts make that harmless.
        delivering: asyncio.Task[None] | None = None
        try:
            async for events in stream.noack_take(
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
                metrics.batch_taken(len(records))
                delivery = await enrich_batch(records)
                if delivering is not None:
                    await delivering
                delivering = asyncio.create_task(deliver(stream, list(events), records, delivery))
        finally:
            if delivering is not None and not delivering.done():
                delivering.cancel()

    @app.on_before_shutdown.connect
    async def _close(app: faust.App, **kwargs: Any) -> None:
        if child is not None:
            # A batch in the child is abandoned, unacked (read again after the stop).
            await asyncio.get_running_loop().run_in_executor(None, child.close)
        if "p" in state:
            # Stop a sink wait first; close in the worker thread, after any write in flight.
            state["p"].stop()
            await asyncio.get_running_loop().run_in_executor(sink_executor, state["p"].sink.close)

    return app


def __getattr__(name: str) -> Any:
    """``faust -A processors.app worker`` finds ``app``; importing this module builds nothing."""
    if name == "app":
        globals()["app"] = create_app(get_settings())
        return globals()["app"]
    raise AttributeError(name)
