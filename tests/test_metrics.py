"""The worker's /metrics and /health, scraped from a real ``coopwire worker`` on a real broker:
counters equal what was sent, lag drains to zero, and health turns 503 when the broker goes
away or the sink cannot be reached."""

from __future__ import annotations

import socket
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import orjson
import pytest
from kafka import KafkaProducer
from prometheus_client.parser import text_string_to_metric_families

from coopwire.broker import LocalBroker, free_port
from coopwire_core.kafka_admin import ensure_topics
from coopwire_core.settings import Settings, kafka_python_options
from processors.metrics import CommitWatch, HealthReport, WorkerMetrics, commit_verdict
from producers.kafka_producer import ArticleProducer
from tests.kafka_helpers import read_topic, wait_for
from tests.short_articles import short_articles


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=15) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
    except OSError as exc:
        return 0, str(exc).encode()


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a Prometheus text page, keyed by (name, sorted labels)."""
    out = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


def listening_addresses(port: int) -> set[str]:
    """IPv4 addresses with a listening TCP socket on ``port`` (from /proc/net/tcp)."""
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        address, state = fields[1], fields[3]
        ip_hex, port_hex = address.split(":")
        if state == "0A" and int(port_hex, 16) == port:
            found.add(socket.inet_ntoa(bytes.fromhex(ip_hex)[::-1]))
    return found


def wait_for_health(port: int, status: int, timeout: float) -> dict:
    last: list[tuple[int, bytes]] = []
    try:
        wait_for(
            lambda: last.append(get(f"http://127.0.0.1:{port}/health")) or last[-1][0] == status,
            timeout,
            f"/health {status}",
            every=0.5,
        )
    except TimeoutError as exc:
        raise AssertionError(f"/health never answered {status}; last answer {last[-1:]}") from exc
    return orjson.loads(last[-1][1])


# --- unit: the counters themselves ------------------------------------------------------------


def test_record_batch_counts_per_topic_and_reason() -> None:
    metrics = WorkerMetrics()
    records = [SimpleNamespace(topic="raw")] * 5
    outcome = SimpleNamespace(
        enriched=[object()] * 3,
        events=[object()] * 4,
        dead_letters=[
            SimpleNamespace(source_topic="raw", reason="invalid_json"),
            SimpleNamespace(source_topic="raw", reason="invalid_article"),
        ],
    )
    metrics.record_batch(records, outcome)
    metrics.record_batch(records[:1], SimpleNamespace(enriched=[1], events=[], dead_letters=[]))
    got = samples(metrics.exposition().decode())
    assert got[("coopwire_messages_in_total", (("topic", "raw"),))] == 6
    assert got[("coopwire_articles_enriched_total", (("topic", "raw"),))] == 4
    assert got[("coopwire_cooperation_events_total", (("topic", "raw"),))] == 4
    reason = (("reason", "invalid_json"), ("topic", "raw"))
    assert got[("coopwire_dead_letters_total", reason)] == 1
    assert got[("coopwire_batch_records_count", ())] == 2


def test_health_report_names_the_failing_part() -> None:
    assert HealthReport(broker=None, sink=None).healthy
    report = HealthReport(broker="KafkaTimeoutError: no brokers", sink=None)
    assert not report.healthy
    assert report.as_json() == {
        "status": "unhealthy",
        "broker": "KafkaTimeoutError: no brokers",
        "sink": "ok",
        "commit": "ok",
    }


# --- integration: a real worker -------------------------------------------------------------


@pytest.mark.integration
def test_metrics_match_what_was_sent_and_health_is_ok(settings: Settings, start_worker) -> None:
    good = short_articles(12, prefix="metrics")
    bad = [b"not json", b'{"title": "no text"}', b"[1, 2]"]
    ensure_topics(settings)  # as configured (2 partitions), not auto-created by the producer
    with ArticleProducer(settings) as producer:
        report = producer.send_all(good)
    assert report.sent == len(good)
    raw = KafkaProducer(**kafka_python_options(settings), acks="all")
    for value in bad:
        raw.send(settings.topic_raw, value=value).get(timeout=30)
    raw.close()

    port = free_port()
    worker = start_worker(web_port=port)
    read_topic(
        settings,
        settings.topic_enriched,
        until=lambda msgs: len({m["key"] for m in msgs}) >= len(good),
        timeout=180,
        workers=[worker],
    )
    read_topic(
        settings,
        settings.topic_dlq,
        until=lambda msgs: len(msgs) >= len(bad),
        timeout=60,
        workers=[worker],
    )

    topic = (("topic", settings.topic_raw),)
    last: dict = {}

    def counted_and_drained() -> bool:
        status, body = get(f"http://127.0.0.1:{port}/metrics")
        if status != 200:
            return False
        last.clear()
        last.update(samples(body.decode()))
        lags = {k: v for k, v in last.items() if k[0] == "coopwire_consumer_lag"}
        return (
            last.get(("coopwire_messages_in_total", topic)) == len(good) + len(bad)
            and len(lags) == settings.topic_partitions
            and sum(lags.values()) == 0
        )

    try:
        wait_for(counted_and_drained, 60, "counters and zero lag on /metrics", every=0.5)
    except TimeoutError as exc:
        shown = {k: v for k, v in last.items() if k[0].startswith("coopwire_")}
        raise AssertionError(f"/metrics: {shown}\n{worker.log()[-2000:]}") from exc

    assert last[("coopwire_articles_enriched_total", topic)] == len(good)
    dead = {k[1]: v for k, v in last.items() if k[0] == "coopwire_dead_letters_total"}
    assert dead == {
        (("reason", "invalid_json"), *topic): 1,
        (("reason", "invalid_article"), *topic): 2,
    }
    assert last[("coopwire_enrichment_seconds_count", ())] >= 1
    assert last[("coopwire_sink_write_seconds_count", ())] >= 1
    assert last[("coopwire_enrichment_seconds_sum", ())] > 0

    body = wait_for_health(port, 200, timeout=60)
    assert body == {"status": "ok", "broker": "ok", "sink": "ok", "commit": "ok"}
    # The web server listens where COOPWIRE_WEB_HOST says (127.0.0.1 here), not everywhere.
    assert listening_addresses(port) == {"127.0.0.1"}


@pytest.fixture
def own_broker(tmp_path: Path) -> Iterator[LocalBroker]:
    """A broker this test may stop without disturbing the others."""
    broker = LocalBroker(home=tmp_path / "kafka", port=free_port(), controller_port=free_port())
    broker.start(timeout=180)
    try:
        yield broker
    finally:
        broker.stop()


@pytest.mark.integration
def test_health_turns_503_when_the_broker_stops(own_broker: LocalBroker, start_worker) -> None:
    port = free_port()
    worker = start_worker(
        kafka_bootstrap_servers=own_broker.bootstrap_servers, web_port=port, health_timeout_s=3.0
    )
    wait_for_health(port, 200, timeout=120)
    own_broker.stop()
    body = wait_for_health(port, 503, timeout=60)
    assert body["status"] == "unhealthy" and body["sink"] == "ok"
    assert body["broker"] != "ok"
    worker.assert_alive()


@pytest.mark.integration
def test_health_is_503_while_the_sink_cannot_be_reached(start_worker) -> None:
    port = free_port()
    # A PostgreSQL URL where no server listens: the sink probe's connection is refused.
    nowhere = f"postgresql://coopwire:secret@127.0.0.1:{free_port()}/coopwire"
    start_worker(sink_url=nowhere, web_port=port, health_timeout_s=3.0)
    body = wait_for_health(port, 503, timeout=120)
    assert body["broker"] == "ok"
    assert body["sink"] != "ok"
    assert "secret" not in orjson.dumps(body).decode()


# --- unit: commit age, rebalances, the commit part of /health -----------------------------------


def test_commit_watch_counts_only_rounds_that_moved_offsets() -> None:
    now = [100.0]
    metrics = WorkerMetrics()
    watch = CommitWatch(metrics, clock=lambda: now[0])
    consumer = SimpleNamespace(_committed_offset={"tp0": 5})
    now[0] = 110.0
    assert not watch.pending()
    metrics.batch_taken(16)  # a batch in flight
    state = watch.on_commit_initiated(consumer)
    watch.on_commit_completed(consumer, state)  # nothing acked: offsets did not move
    assert watch.seconds_since_commit() == 10.0 and watch.pending()
    metrics.batch_done(16, acked=True)
    metrics.last_ack_at = 109.0  # acked after the last commit (at 100): waiting for one
    assert watch.pending()
    state = watch.on_commit_initiated(consumer)
    consumer._committed_offset["tp0"] = 9
    watch.on_commit_completed(consumer, state)
    now[0] = 112.5
    assert watch.seconds_since_commit() == 2.5 and not watch.pending()
    metrics.batch_taken(3)
    metrics.batch_done(3, acked=False)  # dropped (rebalance): read again, nothing waits here
    assert not watch.pending()
    watch.on_rebalance_start(SimpleNamespace())
    watch.on_rebalance_start(SimpleNamespace())
    now[0] = 120.0
    watch.on_rebalance_end(SimpleNamespace(), {})  # the first assignment restarts the clock
    assert watch.seconds_since_commit() == 0.0
    now[0] = 125.0
    watch.on_rebalance_end(SimpleNamespace(), {})  # later ones do not
    assert watch.seconds_since_commit() == 5.0
    assert samples(metrics.exposition().decode())[("coopwire_rebalances_total", ())] == 2


def test_commit_verdict_needs_uncommitted_work_and_a_stall() -> None:
    assert commit_verdict(100.0, 30.0, pending=False) is None  # idle: nothing to commit
    assert commit_verdict(10.0, 30.0, pending=True) is None  # committing
    verdict = commit_verdict(45.0, 30.0, pending=True)
    assert verdict == "no offset committed for 45s (limit 30s) with records waiting"
    report = HealthReport(broker=None, sink=None, commit=verdict)
    assert not report.healthy and report.as_json()["commit"] == verdict
