"""What a running worker tells its operators: Prometheus metrics on ``/metrics`` and a health
verdict on ``/health``, both served by Faust's own web server (``settings.web_port``).

Counters are incremented by the agent once per batch (``WorkerMetrics.record_batch``); the
consumer lag and the health probes are computed when they are asked for, so an idle worker
costs nothing and a scrape always sees the current state. The metrics live in a registry of
their own, not Prometheus' global one, so two apps in one process never collide.

``/health`` answers 200 when the broker answers a metadata request and the sink answers a
ping, each within ``settings.health_timeout_s``, and the worker commits (see below); otherwise
503 with the failing part named.

For a cluster, the worker also reports its share of the consumer group: the partitions assigned
to it, the rebalances it went through, and the seconds since it last committed offsets. That
age grows on an idle worker too (nothing to commit); it means trouble when records wait: a
commit that cannot reach the group coordinator is retried by aiokafka until it succeeds, and a
batch waiting for a partition leader or the sink acks nothing to commit. So ``/health`` is 503
("commit") only while records are in flight or acked since the last commit, and nothing was
committed for ``settings.health_commit_stall_s``. The agent counts its own records: Faust does
not track those taken with ``noack_take``, and highwaters are unknown during a rebalance.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import faust
from faust.sensors import Sensor
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    generate_latest,
)

from coopwire_core.settings import Settings, kafka_python_options
from processors.sinks import Sink
from processors.sinks.factory import open_sink

log = logging.getLogger("coopwire.worker")

# The text exposition format; aiohttp adds the charset itself.
METRICS_CONTENT_TYPE = "text/plain; version=0.0.4"

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class WorkerMetrics:
    """The worker's Prometheus series, in a registry of its own."""

    def __init__(self) -> None:
        #: Records the agent took and has not yet acked (or dropped), and when it last acked:
        #: the work whose offsets wait for a commit (Faust does not track ``noack_take``'s).
        self.in_flight = 0
        self.last_ack_at = float("-inf")
        self.registry = CollectorRegistry(auto_describe=True)
        ProcessCollector(registry=self.registry)
        self.messages_in = Counter(
            "coopwire_messages_in",
            "Records read from the raw topic.",
            ["topic"],
            registry=self.registry,
        )
        self.enriched = Counter(
            "coopwire_articles_enriched",
            "Articles enriched and sent to the enriched topic.",
            ["topic"],
            registry=self.registry,
        )
        self.dead_lettered = Counter(
            "coopwire_dead_letters",
            "Records sent to the dead-letter topic, by source topic and reason.",
            ["topic", "reason"],
            registry=self.registry,
        )
        self.events = Counter(
            "coopwire_cooperation_events",
            "Cooperation events sent.",
            ["topic"],
            registry=self.registry,
        )
        self.enrichment_seconds = Histogram(
            "coopwire_enrichment_seconds",
            "Time to validate and enrich one batch.",
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.sink_write_seconds = Histogram(
            "coopwire_sink_write_seconds",
            "Time to store one batch in the sink, retries included.",
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.batch_size = Histogram(
            "coopwire_batch_records",
            "Records per batch taken from the stream.",
            buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256, 512),
            registry=self.registry,
        )
        self.consumer_lag = Gauge(
            "coopwire_consumer_lag",
            "Records not yet committed: highwater minus committed offset, per partition.",
            ["topic", "partition"],
            registry=self.registry,
        )
        self.assigned_partitions = Gauge(
            "coopwire_assigned_partitions",
            "Partitions of the topic assigned to this worker by the consumer group.",
            ["topic"],
            registry=self.registry,
        )
        self.rebalances = Counter(
            "coopwire_rebalances",
            "Consumer group rebalances this worker went through.",
            registry=self.registry,
        )
        self.seconds_since_commit = Gauge(
            "coopwire_seconds_since_last_commit",
            "Seconds since this worker's last offset commit round completed.",
            registry=self.registry,
        )
        self.up = Gauge(
            "coopwire_dependency_up",
            "1 when the dependency answered the last health probe.",
            ["dependency"],
            registry=self.registry,
        )

    def batch_taken(self, size: int) -> None:
        self.in_flight += size

    def batch_done(self, size: int, acked: bool) -> None:
        """A batch left the agent: acked, or dropped unacked (to be read again)."""
        self.in_flight -= size
        if acked:
            self.last_ack_at = time.monotonic()

    def record_batch(self, records: Sequence[Any], outcome: Any) -> None:
        """Count one processed batch. ``records`` have a ``topic``; ``outcome`` has
        ``enriched``, ``events`` and ``dead_letters`` (with ``source_topic`` and ``reason``)."""
        self.batch_size.observe(len(records))
        by_topic: dict[str, int] = {}
        for record in records:
            by_topic[record.topic] = by_topic.get(record.topic, 0) + 1
        for topic, count in by_topic.items():
            self.messages_in.labels(topic=topic).inc(count)
        source = records[0].topic if records else ""
        if outcome.enriched:
            self.enriched.labels(topic=source).inc(len(outcome.enriched))
        if outcome.events:
            self.events.labels(topic=source).inc(len(outcome.events))
        for letter in outcome.dead_letters:
            self.dead_lettered.labels(topic=letter.source_topic, reason=str(letter.reason)).inc()

    @contextmanager
    def time_enrichment(self) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.enrichment_seconds.observe(time.perf_counter() - start)

    @contextmanager
    def time_sink_write(self) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.sink_write_seconds.observe(time.perf_counter() - start)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class CommitWatch(Sensor):
    """Counts rebalances and notes when offsets were last committed, through Faust's sensor
    hooks (Faust calls every sensor of ``app.sensors`` on each commit round and rebalance).

    A round counts as a commit only when it moved the committed offsets: Faust runs a round
    every second, and one with nothing acked (the agent waiting for a broker or the sink)
    completes at once without committing anything."""

    def __init__(self, metrics: WorkerMetrics, clock: Callable[[], float] = time.monotonic):
        super().__init__()
        self.metrics = metrics
        self.clock = clock
        # Start-up (and the end of the first rebalance, after the models loaded) counts as a
        # commit: the age measures stalls, not the time before the first commit.
        self.last_commit_at = clock()
        self._assigned_once = False

    def seconds_since_commit(self) -> float:
        return max(0.0, self.clock() - self.last_commit_at)

    def pending(self) -> bool:
        """Work waits for a commit: records taken and not yet acked, or acked after the last
        commit."""
        return self.metrics.in_flight > 0 or self.metrics.last_ack_at > self.last_commit_at

    def on_commit_initiated(self, consumer: Any) -> Any:
        return dict(getattr(consumer, "_committed_offset", {}))

    def on_commit_completed(self, consumer: Any, state: Any) -> None:
        if dict(getattr(consumer, "_committed_offset", {})) != state:
            self.last_commit_at = self.clock()

    def on_rebalance_start(self, app: Any) -> dict:
        self.metrics.rebalances.inc()
        return super().on_rebalance_start(app)

    def on_rebalance_end(self, app: Any, state: dict) -> None:
        if not self._assigned_once:
            self._assigned_once = True
            self.last_commit_at = self.clock()


@dataclass(frozen=True)
class HealthReport:
    broker: str | None
    sink: str | None
    commit: str | None = None

    @property
    def healthy(self) -> bool:
        return self.broker is None and self.sink is None and self.commit is None

    def as_json(self) -> dict[str, object]:
        return {
            "status": "ok" if self.healthy else "unhealthy",
            "broker": "ok" if self.broker is None else self.broker,
            "sink": "ok" if self.sink is None else self.sink,
            "commit": "ok" if self.commit is None else self.commit,
        }


def commit_verdict(seconds_since_commit: float, limit_s: float, pending: bool) -> str | None:
    """``None`` while the worker commits, or has nothing to commit (no record in flight or
    acked since the last commit: an idle worker commits nothing and is fine); else why it
    counts as unable to commit."""
    if not pending or seconds_since_commit <= limit_s:
        return None
    return (
        f"no offset committed for {seconds_since_commit:.0f}s (limit {limit_s:g}s) "
        "with records waiting"
    )


def broker_answers(settings: Settings) -> None:
    """Raise unless a broker answers a metadata request (with the worker's credentials).

    Any one broker of a cluster is enough: the client sends the request to a node it picked
    from the metadata, and a dead node stays listed there until the controller fences it (or
    for good, without a controller majority). So a refused connection is retried on the next
    node, once per bootstrap server; with one broker of three down the probe failed about
    every third time, and a worker that runs fine was reported unhealthy."""
    from kafka import KafkaAdminClient
    from kafka.errors import KafkaConnectionError

    timeout_ms = int(settings.health_timeout_s * 1000)
    admin = KafkaAdminClient(
        **kafka_python_options(settings),
        client_id=f"{settings.app_id}-health",
        request_timeout_ms=timeout_ms,
        bootstrap_timeout_ms=timeout_ms,
        reconnect_backoff_max_ms=1000,
    )
    try:
        for _ in range(len(settings.kafka_bootstrap_servers.split(",")) - 1):
            try:
                admin.describe_cluster()
                return
            except KafkaConnectionError:
                continue  # that node is now backing off: the next try picks another
        admin.describe_cluster()
    finally:
        admin.close()


class HealthProbe:
    """Probes the broker and the sink off the event loop, each bounded by a deadline."""

    def __init__(self, settings: Settings, sink_ping: Callable[[], bool]) -> None:
        self.settings = settings
        self.sink_ping = sink_ping
        # Two threads: one probe that hangs past its deadline must not block the other.
        self._executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="health")

    async def _bounded(self, fn: Callable[[], object]) -> str | None:
        loop = asyncio.get_running_loop()
        try:
            result = await asyncio.wait_for(
                loop.run_in_executor(self._executor, fn), self.settings.health_timeout_s + 1
            )
        except TimeoutError:
            return f"no answer within {self.settings.health_timeout_s:g}s"
        except Exception as exc:
            return f"{type(exc).__name__}: {exc}"
        if result is False:
            return "did not answer the ping"
        return None

    async def check(self, seconds_since_commit: float = 0.0, pending: bool = False) -> HealthReport:
        broker, sink = await asyncio.gather(
            self._bounded(lambda: broker_answers(self.settings)), self._bounded(self.sink_ping)
        )
        commit = commit_verdict(seconds_since_commit, self.settings.health_commit_stall_s, pending)
        return HealthReport(broker=broker, sink=sink, commit=commit)


async def update_consumer_lag(app: faust.App, metrics: WorkerMetrics, topics: set[str]) -> None:
    """Lag per assigned partition of ``topics``: highwater minus the committed offset (the
    fetch position when nothing was committed yet). Partitions no longer assigned, or not
    fetched yet, have no lag. Also sets how many partitions of each topic are assigned (0 when
    none or not yet known).

    The highwater is the one the last fetch response carried, not asked from the brokers: the
    consumer runs its broker calls (fetches, commits) on two slots of its own thread, and a
    highwater request to a partition without a leader holds a slot for the whole request
    timeout (90 s). Scrapes during a broker outage then starved fetches and commits."""
    metrics.consumer_lag.clear()
    for topic in topics:
        metrics.assigned_partitions.labels(topic=topic).set(0)
    try:
        consumer = app.consumer
        partitions = [tp for tp in consumer.assignment() if tp.topic in topics]
    except Exception as exc:  # not started or rebalancing: no lag to report
        log.debug("consumer lag unavailable: %s", exc)
        return
    for topic in topics:
        metrics.assigned_partitions.labels(topic=topic).set(
            sum(1 for tp in partitions if tp.topic == topic)
        )
    committed_offsets = getattr(consumer, "_committed_offset", {})
    for tp in partitions:
        try:
            highwater = consumer.highwater(tp)
        except Exception:  # revoked meanwhile
            continue
        if highwater is None:
            continue
        committed = committed_offsets.get(tp)
        if committed is None:
            # Fetched, so the position is known: answered without a broker request.
            try:
                committed = await consumer.position(tp)
            except Exception:
                committed = None
        if committed is None:
            continue
        metrics.consumer_lag.labels(topic=tp.topic, partition=str(tp.partition)).set(
            max(0, highwater - committed)
        )


class SinkPing:
    """Pings the sink over a connection of its own, so a probe never waits behind (or races
    with) the agent's writes; the connection is reopened after a failure."""

    def __init__(self, url: str, connect_timeout_s: float = 5.0) -> None:
        self.url = url
        self.connect_timeout_s = connect_timeout_s
        self._sink: Sink | None = None

    def __call__(self) -> bool:
        try:
            if self._sink is None:
                self._sink = open_sink(self.url, connect_timeout_s=self.connect_timeout_s)
            if self._sink.ping():
                return True
        except Exception:
            self.close()
            raise
        self.close()
        return False

    def close(self) -> None:
        sink, self._sink = self._sink, None
        if sink is not None:
            with contextlib.suppress(Exception):
                sink.close()


def setup_metrics(
    app: faust.App, settings: Settings, sink_ping: Callable[[], bool] | None = None
) -> WorkerMetrics:
    """Register ``/metrics`` and ``/health`` on the app's web server; return the counters the
    agent increments. ``sink_ping`` (run in a thread) says whether the sink answers; by
    default a ``SinkPing`` on ``settings.sink_url``."""
    metrics = WorkerMetrics()
    probe = HealthProbe(
        settings, sink_ping or SinkPing(settings.sink_url, settings.health_timeout_s)
    )
    commits = CommitWatch(metrics)
    app.sensors.add(commits)
    lag_topics = {settings.topic_raw}

    @app.page("/metrics")
    async def metrics_page(web: Any, request: Any) -> Any:
        try:
            # Bounded: the page answers during an outage too, when it matters most.
            await asyncio.wait_for(
                update_consumer_lag(app, metrics, lag_topics), settings.health_timeout_s
            )
        except TimeoutError:
            log.debug("consumer lag not known within %gs", settings.health_timeout_s)
        metrics.seconds_since_commit.set(commits.seconds_since_commit())
        return web.bytes(metrics.exposition(), content_type=METRICS_CONTENT_TYPE)

    @app.page("/health")
    async def health_page(web: Any, request: Any) -> Any:
        report = await probe.check(commits.seconds_since_commit(), commits.pending())
        metrics.up.labels(dependency="broker").set(report.broker is None)
        metrics.up.labels(dependency="sink").set(report.sink is None)
        if not report.healthy:
            log.warning(
                "unhealthy: broker=%s sink=%s commit=%s", report.broker, report.sink, report.commit
            )
        return web.json(report.as_json(), status=200 if report.healthy else 503)

    return metrics
