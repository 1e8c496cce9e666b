"""Crash safety on the real broker and real sinks: workers killed with SIGKILL mid-run, two
workers sharing the partitions, and PostgreSQL stopped under a running worker. Whatever happens,
the sink ends with every article exactly once.

Measured numbers are printed (run with ``-s`` to see them).
"""

from __future__ import annotations

import os
import signal
import sqlite3
import time
from pathlib import Path

import psycopg
import pytest
from kafka import KafkaAdminClient

from coopwire_core.kafka_admin import ensure_topics
from coopwire_core.settings import Settings, kafka_python_options
from processors.enrichment_process import EXIT_ENRICHMENT_DIED
from producers.kafka_producer import ArticleProducer
from tests.kafka_helpers import (
    WorkerProcess,
    committed_offsets,
    end_offsets,
    group_assignment,
    read_to_end,
    read_topic,
    wait_all_committed,
    wait_for,
)
from tests.postgres_server import create_database
from tests.short_articles import short_articles

N = 1000


def stored_ids(sink_url: str) -> list[str]:
    """Article ids in the sink, read over a fresh connection (the server may have restarted)."""
    sql = "SELECT id FROM articles"
    if sink_url.startswith("sqlite:///"):
        with sqlite3.connect(sink_url.removeprefix("sqlite:///"), timeout=30) as db:
            try:
                return [row[0] for row in db.execute(sql)]
            except sqlite3.OperationalError:  # no table before the worker's first start
                return []
    try:
        with psycopg.connect(sink_url, connect_timeout=2) as conn:
            return [row[0] for row in conn.execute(sql)]
    except (psycopg.OperationalError, psycopg.errors.UndefinedTable):
        return []


def produce(settings: Settings, count: int, prefix: str) -> set[str]:
    ensure_topics(settings)
    articles = short_articles(count, prefix=prefix)
    with ArticleProducer(settings) as producer:
        report = producer.send_all(articles)
    assert report.sent == count and report.ok, report.failed[:3]
    return {a.id for a in articles}


def wait_stored(
    sink_url: str, at_least: int, workers: list[WorkerProcess], timeout: float = 240
) -> None:
    def enough() -> bool:
        for worker in workers:
            worker.assert_alive()
        return len(stored_ids(sink_url)) >= at_least

    wait_for(enough, timeout, f"{at_least} articles in {sink_url}", every=0.5)


def assert_exactly_once_in_sink(sink_url: str, expected: set[str]) -> None:
    ids = stored_ids(sink_url)
    assert len(ids) == len(set(ids)) == len(expected)
    assert set(ids) == expected
    if sink_url.startswith("sqlite:///"):
        db = sqlite3.connect(sink_url.removeprefix("sqlite:///"))
        dup_entities = db.execute(
            "SELECT count(*) FROM (SELECT 1 FROM entities "
            "GROUP BY article_id, type, canonical HAVING count(*) > 1)"
        ).fetchone()[0]
        orphans = db.execute(
            "SELECT count(*) FROM entities WHERE article_id NOT IN (SELECT id FROM articles)"
        ).fetchone()[0]
        db.close()
    else:
        with psycopg.connect(sink_url) as conn:
            dup_entities = conn.execute(
                "SELECT count(*) FROM (SELECT 1 FROM entities "
                "GROUP BY article_id, type, canonical HAVING count(*) > 1) d"
            ).fetchone()[0]
            orphans = conn.execute(
                "SELECT count(*) FROM entities e LEFT JOIN articles a ON a.id = e.article_id "
                "WHERE a.id IS NULL"
            ).fetchone()[0]
    assert dup_entities == 0 and orphans == 0


def enriched_keys(settings: Settings, expected: set[str]) -> list[bytes]:
    messages = read_topic(
        settings,
        settings.topic_enriched,
        until=lambda msgs: {m["key"].decode() for m in msgs} >= expected,
        timeout=120,
    )
    return [m["key"] for m in messages]


def test_worker_killed_mid_run_then_restarted_stores_every_article_once(
    settings, start_worker, postgres_sink_url
):
    settings = settings.model_copy(update={"sink_url": postgres_sink_url})
    expected = produce(settings, N, "kill")

    started = time.monotonic()
    # The dead member holds its partitions until its session times out: keep that short.
    first = start_worker(sink_url=postgres_sink_url, worker_session_timeout_s=10.0)
    wait_stored(postgres_sink_url, 200, [first])
    first.kill()
    at_kill = len(stored_ids(postgres_sink_url))
    killed_at = time.monotonic()
    # More articles after the kill: the next worker has work whatever was done before it.
    expected |= produce(settings, N // 5, "after")

    second = start_worker(sink_url=postgres_sink_url, worker_session_timeout_s=10.0)
    wait_stored(postgres_sink_url, len(expected), [second])
    recovered_in = time.monotonic() - killed_at
    assert_exactly_once_in_sink(postgres_sink_url, expected)

    keys = enriched_keys(settings, expected)
    print(
        f"\n[kill one worker] {N} + {N // 5} articles, killed with {at_kill} stored; "
        f"restart to {len(expected)} stored in {recovered_in:.1f}s "
        f"(total {time.monotonic() - started:.1f}s); "
        f"enriched topic: {len(keys)} messages, {len(keys) - len(set(keys))} re-sent duplicates"
    )


def enrichment_child(worker: WorkerProcess) -> int:
    """The pid of the worker's enrichment process (multiprocessing's spawned child; the
    resource tracker beside it is another child, with another command line)."""

    def spawned() -> list[int]:
        pids = []
        for task in Path(f"/proc/{worker.proc.pid}/task").iterdir():
            for pid in (task / "children").read_text().split():
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
                if b"spawn_main" in cmdline:
                    pids.append(int(pid))
        return pids

    wait_for(lambda: len(spawned()) == 1, 30, "the worker's enrichment process")
    return spawned()[0]


def committed_total(settings: Settings) -> int:
    """How many records of the raw topic the worker's group has committed, all partitions."""
    admin = KafkaAdminClient(**kafka_python_options(settings))
    try:
        offsets = admin.list_group_offsets({settings.app_id: None})[settings.app_id]
    finally:
        admin.close()
    return sum(o.offset for tp, o in offsets.items() if tp.topic == settings.topic_raw)


def test_enrichment_process_killed_mid_run_ends_the_worker_and_loses_nothing(
    settings, start_worker
):
    expected = produce(settings, N, "child")

    first = start_worker(worker_session_timeout_s=10.0)
    child = enrichment_child(first)
    wait_stored(settings.sink_url, 200, [first])
    os.kill(child, signal.SIGKILL)
    killed_at = time.monotonic()
    at_kill = len(stored_ids(settings.sink_url))
    assert at_kill < N, "the worker finished before its enrichment process could be killed"

    # The worker goes down with its child, at once and with its own exit status...
    code = first.proc.wait(30)
    exited_in = time.monotonic() - killed_at
    assert code == EXIT_ENRICHMENT_DIED, first.log()[-3000:]
    assert f"enrichment process pid={child} died (exit code -9)" in first.log()
    # ...having acked nothing it did not store: the group's committed offsets (one record per
    # article, ids all distinct) never pass the articles in the sink.
    stored_at_exit = len(stored_ids(settings.sink_url))
    committed = committed_total(settings)
    assert committed <= stored_at_exit < N, (committed, stored_at_exit)
    assert committed > 0, "the worker committed nothing before its child was killed"

    second = start_worker(worker_session_timeout_s=10.0)
    wait_stored(settings.sink_url, N, [second])
    assert_exactly_once_in_sink(settings.sink_url, expected)
    assert committed_total(settings) <= N
    print(
        f"\n[kill the enrichment process] {N} articles; child killed with {at_kill} stored; "
        f"worker exited {exited_in:.1f}s later with code {code}, {stored_at_exit} stored, "
        f"{committed} committed; restart stored all {N} exactly once"
    )


@pytest.mark.parametrize("sink", ["sqlite", "postgresql"])
def test_two_workers_share_the_partitions_and_one_killed_loses_nothing(
    settings, start_worker, request, sink
):
    """Two workers start together (on PostgreSQL: on a fresh database, which both migrate),
    both hold partitions before any article is sent, and one is killed while both are busy.
    Articles sent after the kill land on the dead worker's partitions too, so the survivor
    must take them over, whatever the machine's speed."""
    sink_url = settings.sink_url
    if sink == "postgresql":
        sink_url = request.getfixturevalue("postgres_sink_url")
    settings = settings.model_copy(update={"topic_partitions": 4, "sink_url": sink_url})
    ensure_topics(settings)
    overrides = {"worker_session_timeout_s": 10.0, "sink_url": sink_url}

    started = time.monotonic()
    victim = start_worker(**overrides)
    survivor = start_worker(**overrides)
    workers = [victim, survivor]
    held: dict[str, set[int]] = {}

    def both_hold_partitions() -> bool:
        for worker in workers:
            worker.assert_alive()
        held.clear()
        held.update(group_assignment(settings, settings.app_id, settings.topic_raw))
        return len(held) == 2 and all(held.values())

    wait_for(both_hold_partitions, 240, "both workers to hold partitions", every=0.5)
    assert sorted(p for partitions in held.values() for p in partitions) == [0, 1, 2, 3]
    expected = produce(settings, N, "pair")

    def both_working() -> bool:
        for worker in workers:
            worker.assert_alive()
        return all("batch:" in w.log() for w in workers)

    wait_for(both_working, 180, "both workers to process batches", every=0.2)
    victim.kill()
    killed_at = time.monotonic()
    at_kill = len(stored_ids(sink_url))
    ends_at_kill = end_offsets(settings, settings.topic_raw)
    committed_at_kill = committed_offsets(settings, settings.topic_raw, settings.app_id)
    uncommitted = sum(end - committed_at_kill.get(p, 0) for p, end in ends_at_kill.items())

    expected |= produce(settings, N // 5, "after")
    ends = end_offsets(settings, settings.topic_raw)
    assert all(ends[p] > ends_at_kill[p] for p in ends), "every partition got articles after"

    wait_stored(sink_url, len(expected), [survivor])
    recovered_in = time.monotonic() - killed_at
    assert_exactly_once_in_sink(sink_url, expected)
    wait_all_committed(settings, settings.topic_raw, settings.app_id, workers=[survivor])
    victim_batches = victim.log().count("batch:")
    survivor_batches = survivor.log().count("batch:")
    assert victim_batches > 0 and survivor_batches > 0
    # Starting together, on a fresh database too, cost neither worker a retried write.
    for worker in workers:
        assert "sink write of a batch" not in worker.log(), worker.log()[-3000:]
    if sink == "postgresql":
        with psycopg.connect(sink_url) as conn:
            versions = conn.execute("SELECT version FROM coopwire_schema_version ORDER BY 1")
            assert [row[0] for row in versions] == [1, 2]

    keys = enriched_keys(settings, expected)
    assert read_to_end(settings, settings.topic_dlq) == [], "a valid article was dead-lettered"
    print(
        f"\n[two workers, one killed, {sink}] {N} + {N // 5} articles; batches: killed worker "
        f"{victim_batches}, survivor {survivor_batches}; killed with {at_kill} stored and "
        f"{uncommitted} not committed; survivor finished in {recovered_in:.1f}s "
        f"(total {time.monotonic() - started:.1f}s); enriched topic: {len(keys)} messages, "
        f"{len(keys) - len(set(keys))} re-sent duplicates"
    )


def test_postgresql_outage_under_a_running_worker_loses_nothing(
    settings, start_worker, stoppable_postgres
):
    count = 250
    sink_url = create_database(stoppable_postgres.url, f"outage_{settings.app_id[-8:]}")
    settings = settings.model_copy(update={"sink_url": sink_url})
    expected = produce(settings, count, "outage")

    worker = start_worker(sink_url=sink_url, sink_retry_max_s=2.0, sink_connect_timeout_s=2.0)
    wait_stored(sink_url, 50, [worker])
    stoppable_postgres.stop()
    stopped_at = time.monotonic()
    try:

        def waited_five_times() -> bool:
            worker.assert_alive()
            return worker.log().count("waiting for sink") >= 5

        wait_for(waited_five_times, 120, "the worker to retry the sink five times")
    finally:
        stoppable_postgres.start()
    down_for = time.monotonic() - stopped_at
    at_restart = len(stored_ids(sink_url))
    wait_stored(sink_url, count, [worker])
    assert_exactly_once_in_sink(sink_url, expected)

    log = worker.log()
    waits = [line for line in log.splitlines() if "waiting for sink" in line]
    database = sink_url.rsplit("@", 1)[1]  # 127.0.0.1:<port>/<name>
    assert "waiting for sink postgresql://" in waits[0] and database in waits[0], waits[0]
    delays = [float(line.split("retry in ", 1)[1].split("s)", 1)[0]) for line in waits]
    assert delays[0] == 0.5 and max(delays) == 2.0 and delays == sorted(delays), delays
    assert "is back" in log
    print(
        f"\n[PostgreSQL outage] {count} articles; server down {down_for:.1f}s with "
        f"{at_restart} stored; {len(waits)} logged waits, e.g. {waits[-1].strip()[-160:]!r}"
    )


def test_worker_stopped_while_the_sink_is_down_acks_nothing_it_did_not_store(
    settings, start_worker, stoppable_postgres
):
    count = 200
    sink_url = create_database(stoppable_postgres.url, f"stop_{settings.app_id[-8:]}")
    settings = settings.model_copy(update={"sink_url": sink_url})
    expected = produce(settings, count, "stopped")

    first = start_worker(sink_url=sink_url, sink_retry_max_s=1.0, sink_connect_timeout_s=2.0)
    wait_stored(sink_url, 20, [first])
    stoppable_postgres.stop()
    try:

        def waiting() -> bool:
            first.assert_alive()
            return "waiting for sink" in first.log()

        wait_for(waiting, 120, "the worker to wait for the sink")
        # A graceful stop (SIGTERM) while a batch waits for the sink: the worker exits
        # promptly and the unstored batch stays unacknowledged.
        stop_started = time.monotonic()
        first.stop(timeout=60)
        stopped_in = time.monotonic() - stop_started
    finally:
        stoppable_postgres.start()
    at_stop = len(stored_ids(sink_url))

    second = start_worker(sink_url=sink_url)
    wait_stored(sink_url, count, [second])
    assert_exactly_once_in_sink(sink_url, expected)
    assert stopped_in < 55, "the worker hung instead of stopping"
    print(
        f"\n[SIGTERM during sink outage] {count} articles; stopped in {stopped_in:.1f}s with "
        f"{at_stop} stored; the next worker stored all {count}"
    )


def test_broker_restart_under_a_running_worker_loses_nothing(settings, start_worker, own_broker):
    count = 300
    settings = settings.model_copy(update={"kafka_bootstrap_servers": own_broker.bootstrap_servers})
    expected = produce(settings, count, "brokerdown")

    worker = start_worker(kafka_bootstrap_servers=own_broker.bootstrap_servers)
    wait_stored(settings.sink_url, 60, [worker])
    own_broker.stop()
    stopped_at = time.monotonic()
    at_stop = len(stored_ids(settings.sink_url))
    # The worker cannot send or commit now; it must neither die nor move on.
    wait_for(
        lambda: worker.proc.poll() is None and time.monotonic() - stopped_at > 5,
        30,
        "five seconds without a broker",
    )
    own_broker.start(timeout=180)
    wait_stored(settings.sink_url, count, [worker], timeout=300)
    recovered_in = time.monotonic() - stopped_at
    assert_exactly_once_in_sink(settings.sink_url, expected)
    keys = enriched_keys(settings, expected)
    print(
        f"\n[broker restart under a worker] {count} articles; broker stopped with {at_stop} "
        f"stored; all stored {recovered_in:.1f}s after the stop; enriched topic: {len(keys)} "
        f"messages, {len(keys) - len(set(keys))} duplicates"
    )
