"""Failover on a real three-node KRaft cluster (started by the fixtures): a broker SIGKILLed
under two running workers, or under the producer, loses nothing.

- The broker leading the most partitions of ``articles.raw`` dies mid-stream, later starts
  again: every article is in the sink exactly once, every enriched key is on
  ``articles.enriched``, every poison message is in ``articles.dlq``.
- The same with the broker coordinating coopwire's consumer group; meanwhile the workers'
  ``/metrics`` show the time since their last commit growing, and afterwards the group commits
  every offset.
- Two of the three brokers (the coordinator's among them) killed and kept down: the worker
  cannot commit, ``/health`` turns 503 naming the commit check and the commit age grows on
  ``/metrics``; once they are back and a commit succeeds, 200 again and the age falls.
- ``coopwire produce`` runs through a broker kill with nothing lost and nothing failed.
- The lag on ``/metrics`` shows what arrived while the workers were stopped, then drains to 0.

Measured numbers (longest pause in sink writes, duplicates on the topics) are printed; run
with ``-s`` to see them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import orjson
import pytest
from kafka import KafkaProducer

from coopwire.broker import LocalCluster, free_port
from coopwire_core.kafka_admin import ensure_topics
from coopwire_core.settings import Settings, kafka_python_options
from producers.kafka_producer import ArticleProducer
from schemas import encode
from tests.bad_messages import BAD_MESSAGES
from tests.cluster_helpers import (
    SinkWatch,
    busiest_leader,
    group_coordinator,
    group_lag,
    partition_leaders,
    replication_of,
    stored_count,
)
from tests.conftest import settings_env
from tests.kafka_helpers import WorkerProcess, read_topic, wait_for
from tests.short_articles import short_articles
from tests.test_crash import assert_exactly_once_in_sink
from tests.test_metrics import get, samples, wait_for_health

pytestmark = pytest.mark.integration

N = 2000
POISON = [bad for bad in BAD_MESSAGES if bad.reason in ("invalid_json", "invalid_utf8")]
WORKER = {"worker_session_timeout_s": 10.0}


def feed(settings: Settings, prefix: str) -> tuple[set[str], set[bytes]]:
    """N articles and the poison messages (keyed ``poison-<i>``) onto the raw topic."""
    ensure_topics(settings)
    articles = short_articles(N, prefix=prefix)
    with ArticleProducer(settings) as producer:
        report = producer.send_all(articles)
    assert report.ok and report.sent == N, report.failed[:3]
    raw = KafkaProducer(**kafka_python_options(settings), acks="all", enable_idempotence=True)
    poison_keys = {f"poison-{i}".encode() for i in range(len(POISON))}
    for i, bad in enumerate(POISON):
        raw.send(settings.topic_raw, key=f"poison-{i}".encode(), value=bad.value)
    raw.flush(timeout=60)
    raw.close()
    return {a.id for a in articles}, poison_keys


def settled(workers: list[WorkerProcess]) -> bool:
    """Every worker has stored a batch since its latest partition assignment: the group has
    formed. (The first worker starts with every partition; when the second joins, what the
    first stored since its last commit is read again by the new owner. Killing a broker only
    after that keeps those copies apart from the ones the failure causes.)"""
    for worker in workers:
        worker.assert_alive()
    logs = [worker.log() for worker in workers]
    return all(
        "batch:" in log[log.rfind("Setting newly assigned partitions") :] for log in logs
    ) and all("Setting newly assigned partitions" in log for log in logs)


def two_workers(start: Callable[..., WorkerProcess], **overrides: object) -> list[WorkerProcess]:
    workers = [start(**WORKER, **overrides), start(**WORKER, **overrides)]
    wait_for(lambda: settled(workers), 300, "both workers to process batches", every=0.5)
    return workers


def wait_stored(settings: Settings, at_least: int, workers: list[WorkerProcess], timeout=400):
    def enough() -> bool:
        for worker in workers:
            worker.assert_alive()
        return stored_count(settings.sink_url) >= at_least

    wait_for(enough, timeout, f"{at_least} articles in the sink", every=0.5)


def check_outputs(
    settings: Settings, expected: set[str], poison: set[bytes], killed_at: float = 0.0
) -> dict[str, int]:
    """Sink exactly once, every key enriched, every poison message dead-lettered; counts of
    what the topics carry twice (at-least-once), and of the enriched copies processed after
    ``killed_at`` (wall clock): the others come from the second worker joining the group."""
    assert_exactly_once_in_sink(settings.sink_url, expected)
    enriched = read_topic(
        settings,
        settings.topic_enriched,
        until=lambda msgs: {m["key"].decode() for m in msgs} >= expected,
        timeout=180,
    )
    dead = read_topic(
        settings,
        settings.topic_dlq,
        until=lambda msgs: {m["key"] for m in msgs} >= poison,
        timeout=120,
    )
    enriched_keys = [m["key"] for m in enriched]
    dead_keys = [m["key"] for m in dead]
    assert {k.decode() for k in enriched_keys} == expected
    assert set(dead_keys) == poison
    assert all(m["value"]["reason"] in ("invalid_json", "invalid_utf8") for m in dead)
    # A copy with the same processing time is one message written twice (a send retried after
    # a broker died: what producer idempotence prevents); another time means processed again.
    sent_twice = [(m["key"], m["value"]["processing"]["processed_at"]) for m in enriched]
    copies: dict[bytes, list[float]] = {}
    for key, at in sorted(set(sent_twice)):
        copies.setdefault(key, []).append(datetime.fromisoformat(at).timestamp())
    return {
        "enriched": len(enriched_keys),
        "enriched_duplicates": len(enriched_keys) - len(set(enriched_keys)),
        "enriched_sent_twice": len(sent_twice) - len(set(sent_twice)),
        "enriched_again_after_kill": sum(
            1 for times in copies.values() for t in sorted(times)[1:] if t >= killed_at
        ),
        "dead_letter_duplicates": len(dead_keys) - len(set(dead_keys)),
    }


def duplicates(counts: dict[str, int]) -> str:
    return (
        f"enriched topic {counts['enriched']} messages, {counts['enriched_duplicates']} "
        f"duplicates ({counts['enriched_again_after_kill']} processed again after the kill, "
        f"{counts['enriched_sent_twice']} the same message written twice); dead letters "
        f"{counts['dead_letter_duplicates']} duplicates"
    )


def kill_restart_and_finish(
    cluster: LocalCluster,
    settings: Settings,
    workers: list[WorkerProcess],
    victim: int,
    during_outage: Callable[[], None] | None = None,
) -> dict[str, float]:
    """SIGKILL node ``victim`` mid-stream; the workers keep storing without it (at least 200
    more articles), then it starts again and the workers store every article."""
    at_kill = stored_count(settings.sink_url)
    assert at_kill < N - 400, "the workers finished before the broker could be killed"
    cluster.node(victim).kill()
    killed_at, killed_wall = time.monotonic(), time.time()
    if during_outage is not None:
        during_outage()
    wait_stored(settings, at_kill + 200, workers)
    progressed_in = time.monotonic() - killed_at
    at_restart = stored_count(settings.sink_url)
    cluster.node(victim).start(timeout=300)
    down_for = time.monotonic() - killed_at
    at_rejoin = stored_count(settings.sink_url)
    wait_stored(settings, N, workers)
    return {
        "at_kill": at_kill,
        "at_restart": at_restart,
        "at_rejoin": at_rejoin,
        "progressed_in": progressed_in,
        "down_for": down_for,
        "all_stored_after": time.monotonic() - killed_at,
        "killed_wall": killed_wall,
    }


def test_topics_on_three_brokers_have_three_copies_and_need_two_in_sync(cluster_settings):
    ensure_topics(cluster_settings)
    for topic in (cluster_settings.topic_raw, cluster_settings.topic_dlq):
        counts, min_isr = replication_of(cluster_settings, topic)
        assert counts == {3} and min_isr == "2", (topic, counts, min_isr)
    overridden = cluster_settings.model_copy(
        update={
            "topic_raw": cluster_settings.topic_raw + ".rf2",
            "topic_replication_factor": 2,
            "topic_min_insync_replicas": 1,
        }
    )
    ensure_topics(overridden)
    assert replication_of(overridden, overridden.topic_raw) == ({2}, "1")


def test_leader_of_most_raw_partitions_killed_mid_stream_loses_nothing(
    cluster, cluster_settings, start_cluster_worker
):
    settings = cluster_settings
    expected, poison = feed(settings, "leaderkill")
    victim = busiest_leader(settings, settings.topic_raw)
    led = sorted(
        p for p, node in partition_leaders(settings, settings.topic_raw).items() if node == victim
    )

    with SinkWatch(settings.sink_url) as watch:
        workers = two_workers(start_cluster_worker)
        wait_stored(settings, stored_count(settings.sink_url) + 100, workers)
        timing = kill_restart_and_finish(cluster, settings, workers, victim)
    pause, _ = watch.longest_pause()
    counts = check_outputs(settings, expected, poison, timing["killed_wall"])
    new_leaders = partition_leaders(settings, settings.topic_raw)
    print(
        f"\n[cluster: raw leader killed] {N} articles + {len(poison)} poison, 2 workers; "
        f"node {victim} (leader of partitions {led}) SIGKILLed with {timing['at_kill']} stored, "
        f"+200 stored without it in {timing['progressed_in']:.1f}s, restarted with "
        f"{timing['at_restart']} stored, back after {timing['down_for']:.1f}s with "
        f"{timing['at_rejoin']} stored; all stored {timing['all_stored_after']:.1f}s after the "
        f"kill; longest pause in sink writes {pause:.1f}s; {duplicates(counts)}; leaders now "
        f"{new_leaders}"
    )
    assert pause < 120


def test_group_coordinator_killed_mid_stream_loses_nothing_and_the_commit_age_grows(
    cluster, cluster_settings, start_cluster_worker, tmp_path
):
    settings = cluster_settings
    expected, poison = feed(settings, "coordkill")
    ports = [free_port(), free_port()]
    workers = [
        start_cluster_worker(**WORKER, web_port=ports[0]),
        start_cluster_worker(**WORKER, web_port=ports[1]),
    ]

    ages: list[float] = []

    def commit_age(port: int) -> float | None:
        status, body = get(f"http://127.0.0.1:{port}/metrics")
        if status != 200:
            return None
        return samples(body.decode()).get(("coopwire_seconds_since_last_commit", ()))

    def watch_commits() -> None:
        """While the coordinator is down, the time since the last commit grows on /metrics."""

        def grown() -> bool:
            # Seen while records still wait: an idle worker's age grows too (nothing to
            # commit), and /metrics once hung for the whole outage, so only that was seen.
            assert stored_count(settings.sink_url) < N, f"all stored first; ages {ages}"
            with ThreadPoolExecutor(len(ports)) as pool:
                ages.extend(age for age in pool.map(commit_age, ports) if age is not None)
            return max(ages, default=0) >= 6

        try:
            wait_for(grown, 90, "the commit age on /metrics to grow", every=0.25)
        except TimeoutError as exc:
            logs = "\n".join(worker.log()[-3000:] for worker in workers)
            raise AssertionError(f"commit ages {ages}\n{logs}") from exc
        later.start()

    # After the first growth, the ages are followed until every article is stored: how long
    # commits stay away after the coordinator moved.
    stop_following = threading.Event()
    followed: list[tuple[float, int, float]] = []  # (wall clock, worker, age)

    def follow_ages() -> None:
        while not stop_following.wait(0.5):
            with ThreadPoolExecutor(len(ports)) as pool:
                for i, age in enumerate(pool.map(commit_age, ports)):
                    if age is not None:
                        followed.append((time.time(), i, age))

    later = threading.Thread(target=follow_ages, daemon=True)

    with SinkWatch(settings.sink_url) as watch:
        wait_for(lambda: settled(workers), 300, "both workers to process batches", every=0.5)
        wait_stored(settings, stored_count(settings.sink_url) + 100, workers)
        victim = group_coordinator(settings, settings.app_id)
        timing = kill_restart_and_finish(cluster, settings, workers, victim, watch_commits)
    stop_following.set()
    later.join()
    (tmp_path / "commit-ages.json").write_bytes(orjson.dumps(followed))
    peak_age = max([*ages, *(age for _, _, age in followed)])
    pause, _ = watch.longest_pause()
    counts = check_outputs(settings, expected, poison, timing["killed_wall"])

    # Commits flow again: the group's committed offsets reach the end of the raw topic.
    lags: list[int] = []
    try:
        wait_for(
            lambda: (
                lags.append(group_lag(settings, settings.app_id, settings.topic_raw))
                or not lags[-1]
            ),
            180,
            "the group to commit every offset of the raw topic",
            every=1.0,
        )
    except TimeoutError as exc:
        raise AssertionError(f"group lag after the outage: {lags[-10:]}") from exc
    print(
        f"\n[cluster: group coordinator killed] {N} articles + {len(poison)} poison, 2 workers; "
        f"node {victim} SIGKILLed with {timing['at_kill']} stored, +200 stored without it in "
        f"{timing['progressed_in']:.1f}s, restarted with {timing['at_restart']} stored, back "
        f"after {timing['down_for']:.1f}s with {timing['at_rejoin']} stored; all stored "
        f"{timing['all_stored_after']:.1f}s after the kill; longest pause in sink writes "
        f"{pause:.1f}s; seconds since last commit peaked at {peak_age:.1f}s; {duplicates(counts)}"
    )
    assert pause < 120


STALL_S = 10.0


def test_health_is_503_while_the_worker_cannot_commit_and_200_once_it_commits_again(
    cluster, cluster_settings, start_cluster_worker
):
    """The coordinator's broker and one more are SIGKILLed and kept down: the KRaft quorum is
    gone, so neither the group coordinator nor any partition leader can move, and
    ``__consumer_offsets`` (3 copies, two in sync needed) takes no commit for as long as they
    stay down. The worker's records wait (its sends cannot complete either), so ``/health``
    must name the commit check, and only it (the third broker answers), within the stall limit
    plus slack. Then both nodes start
    again: a commit succeeds, ``/health`` answers 200 and the commit age falls."""
    settings = cluster_settings
    expected, poison = feed(settings, "stall")
    port = free_port()
    worker = start_cluster_worker(**WORKER, web_port=port, health_commit_stall_s=STALL_S)
    wait_stored(settings, 200, [worker])
    wait_for_health(port, 200, 120)  # healthy while it streams: the check is not always red

    ages: list[tuple[float, float]] = []  # (seconds since the kill, commit age)

    def commit_age() -> float | None:
        status, body = get(f"http://127.0.0.1:{port}/metrics")
        if status != 200:
            return None
        return samples(body.decode()).get(("coopwire_seconds_since_last_commit", ()))

    def sample_age(since: float) -> float | None:
        worker.assert_alive()
        age = commit_age()
        if age is not None:
            ages.append((time.monotonic() - since, age))
        return age

    coordinator = group_coordinator(settings, settings.app_id)
    victims = [coordinator, next(n for n in (1, 2, 3) if n != coordinator)]
    at_kill = stored_count(settings.sink_url)
    assert at_kill < N - 400, "the worker finished before the brokers could be killed"
    for victim in victims:
        cluster.node(victim).kill()
    killed_at, killed_wall = time.monotonic(), time.time()

    answers: list[tuple[int, dict]] = []

    def names_commit() -> bool:
        sample_age(killed_at)
        status, body = get(f"http://127.0.0.1:{port}/health")
        answers.append((status, orjson.loads(body) if status in (200, 503) else {}))
        return status == 503 and answers[-1][1].get("commit", "ok") != "ok"

    try:
        wait_for(names_commit, STALL_S + 120, "/health 503 naming the commit check", every=1.0)
        unhealthy_after = time.monotonic() - killed_at
        # The age keeps growing while the brokers stay down.
        wait_for(
            lambda: (sample_age(killed_at) or 0) >= STALL_S + 5,
            120,
            "the commit age to pass the stall limit",
            every=1.0,
        )
    except TimeoutError as exc:
        raise AssertionError(f"/health answers {answers[-3:]}; commit ages {ages[-10:]}") from exc
    verdict = answers[-1][1]["commit"]
    assert "no offset committed" in verdict, answers[-1]
    # Only the commit check: the third broker answers metadata, the sink is up.
    assert answers[-1][1]["broker"] == "ok" and answers[-1][1]["sink"] == "ok", answers[-1]
    during = [age for _, age in ages]
    assert during[-1] > during[0] + 5, ages  # grew during the outage
    stored_during = stored_count(settings.sink_url) - at_kill

    procs = [cluster.node(victim).launch() for victim in victims]
    for victim, proc in zip(victims, procs, strict=True):
        cluster.node(victim).wait_ready(300, proc=proc)
    restarted_at = time.monotonic()
    peak = max(during)
    body = wait_for_health(port, 200, 300)
    assert body["commit"] == "ok"
    healthy_after = time.monotonic() - restarted_at
    after: list[float] = []
    wait_for(
        lambda: (age := commit_age()) is not None and after.append(age) is None and age < 5,
        120,
        "the commit age to fall after the brokers came back",
        every=1.0,
    )
    assert after[-1] < peak
    wait_stored(settings, N, [worker])
    counts = check_outputs(settings, expected, poison, killed_wall)
    print(
        f"\n[cluster: no commits] 1 worker, nodes {victims} (coordinator {coordinator}) "
        f"SIGKILLed with {at_kill} stored, {stored_during} more stored while they were down; "
        f"/health 503 'commit' {unhealthy_after:.1f}s after the kill (limit {STALL_S:g}s): "
        f"{verdict!r}; commit age peaked at {peak:.1f}s; nodes back after "
        f"{restarted_at - killed_at:.1f}s; /health 200 {healthy_after:.1f}s later, commit age "
        f"then {after[-1]:.1f}s; {duplicates(counts)}"
    )


def test_produce_command_rides_out_a_broker_kill(cluster, cluster_settings, tmp_path):
    settings = cluster_settings
    ensure_topics(settings)
    articles = short_articles(N, prefix="prodkill")
    lines = [encode(article) + b"\n" for article in articles]
    env = settings_env(settings)
    proc = subprocess.Popen(
        [sys.executable, "-m", "coopwire.cli", "produce", "-"],
        env={**os.environ, **env},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdin is not None
    half = N // 2
    proc.stdin.writelines(lines[:half])
    proc.stdin.flush()
    # The first half is on the brokers before the kill: the kill is mid-stream.
    read_topic(settings, settings.topic_raw, until=lambda m: len(m) >= half - 50, timeout=120)
    victim = busiest_leader(settings, settings.topic_raw)
    cluster.node(victim).kill()
    killed_at = time.monotonic()
    proc.stdin.writelines(lines[half:])
    proc.stdin.close()
    try:
        code = proc.wait(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
    finished_in = time.monotonic() - killed_at
    assert proc.stderr is not None and proc.stdout is not None
    stderr = proc.stderr.read().decode(errors="replace")
    proc.stdout.close()
    proc.stderr.close()
    cluster.node(victim).start(timeout=300)

    assert code == 0, stderr[-2000:]
    assert f"sent {N}, rejected 0, failed 0" in stderr, stderr[-2000:]
    messages = read_topic(settings, settings.topic_raw, until=lambda m: len(m) >= N)
    keys = [m["key"] for m in messages]
    assert {k.decode() for k in keys} == {a.id for a in articles}
    print(
        f"\n[cluster: broker killed under coopwire produce] {N} articles, node {victim} "
        f"SIGKILLed after {half}; produce exited 0 {finished_in:.1f}s after the kill; "
        f"{len(keys)} on the topic, {len(keys) - len(set(keys))} duplicates"
    )
    assert len(keys) == len(set(keys)) == N


def test_lag_shows_what_arrived_while_workers_were_stopped_then_drains(
    cluster, cluster_settings, start_cluster_worker
):
    settings = cluster_settings
    ensure_topics(settings)
    first, later = short_articles(100, prefix="lag-a"), short_articles(1000, prefix="lag-b")
    with ArticleProducer(settings) as producer:
        assert producer.send_all(first).ok
    port = free_port()
    worker = start_cluster_worker(**WORKER, web_port=port)

    def lag_and_assigned(port: int) -> tuple[float | None, float | None, dict]:
        status, body = get(f"http://127.0.0.1:{port}/metrics")
        if status != 200:
            return None, None, {}
        got = samples(body.decode())
        lags = [v for k, v in got.items() if k[0] == "coopwire_consumer_lag"]
        assigned = got.get(("coopwire_assigned_partitions", (("topic", settings.topic_raw),)))
        return (sum(lags) if len(lags) == settings.topic_partitions else None), assigned, got

    wait_for(
        lambda: lag_and_assigned(port)[0] == 0 and stored_count(settings.sink_url) == 100,
        300,
        "the first 100 stored and lag 0",
        every=0.5,
    )
    _, assigned, got = lag_and_assigned(port)
    assert assigned == settings.topic_partitions
    assert got[("coopwire_rebalances_total", ())] >= 1
    assert worker.stop() == 0

    with ArticleProducer(settings) as producer:
        assert producer.send_all(later).ok
    port = free_port()
    worker = start_cluster_worker(**WORKER, web_port=port)
    lags: list[float] = []

    def drained() -> bool:
        worker.assert_alive()
        lag = lag_and_assigned(port)[0]
        if lag is not None:
            lags.append(lag)
        return bool(lags) and lags[-1] == 0 and stored_count(settings.sink_url) == 1100

    wait_for(drained, 400, "the lag to drain to 0 and 1100 stored", every=0.5)
    print(
        f"\n[cluster: lag] 0 before the stop; {len(later)} produced while stopped; first "
        f"scrape after the restart {lags[0]:.0f}, peak {max(lags):.0f}, then 0 "
        f"({len(lags)} scrapes)"
    )
    assert max(lags) >= len(later) // 2
