"""What the cluster tests ask the cluster and the sink: which broker leads which partitions,
which broker coordinates a consumer group, and how long the sink went without a write."""

from __future__ import annotations

import itertools
import sqlite3
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from kafka import KafkaAdminClient

from coopwire_core.settings import Settings, kafka_python_options


def _admin(settings: Settings) -> KafkaAdminClient:
    return KafkaAdminClient(
        **kafka_python_options(settings), request_timeout_ms=10_000, client_id="coopwire-tests"
    )


def partition_leaders(settings: Settings, topic: str) -> dict[int, int]:
    """Partition -> node id of its leader (-1 while it has none)."""
    admin = _admin(settings)
    try:
        (described,) = admin.describe_topics([topic])
    finally:
        admin.close()
    return {p["partition_index"]: p["leader_id"] for p in described["partitions"]}


def busiest_leader(settings: Settings, topic: str) -> int:
    """The node leading the most partitions of ``topic`` (lowest id on a tie)."""
    counts = Counter(partition_leaders(settings, topic).values())
    return min(counts, key=lambda node: (-counts[node], node))


def java_hash(text: str) -> int:
    """``String.hashCode()`` as Java computes it (UTF-16 code units, 32-bit overflow)."""
    h = 0
    data = text.encode("utf-16-be")
    for i in range(0, len(data), 2):
        h = (31 * h + int.from_bytes(data[i : i + 2], "big")) & 0xFFFFFFFF
    return h - (1 << 32) if h >= 1 << 31 else h


def group_coordinator(settings: Settings, group: str) -> int:
    """The node coordinating ``group``: the leader of its ``__consumer_offsets`` partition
    (``abs(hashCode) % partitions``, as Kafka places groups), checked by asking that node to
    describe the group (any other node answers NOT_COORDINATOR)."""
    admin = _admin(settings)
    try:
        (offsets,) = admin.describe_topics(["__consumer_offsets"])
        partitions = {p["partition_index"]: p["leader_id"] for p in offsets["partitions"]}
        h = java_hash(group)
        index = (0 if h == -(1 << 31) else abs(h)) % len(partitions)
        node = partitions[index]
        described = admin.describe_groups([group], group_coordinator_id=node)
    finally:
        admin.close()
    assert described[group]["error"] is None, described
    return node


def replication_of(settings: Settings, topic: str) -> tuple[set[int], str | None]:
    """(replica counts of the topic's partitions, its own ``min.insync.replicas``)."""
    from kafka.admin import ConfigResource, ConfigResourceType

    admin = _admin(settings)
    try:
        # A node that has not caught up on the cluster metadata yet answers without partitions.
        deadline = time.monotonic() + 30
        while not (described := admin.describe_topics([topic])[0])["partitions"]:
            assert time.monotonic() < deadline, f"{topic} has no partitions"
            time.sleep(0.2)
        configs = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])
    finally:
        admin.close()
    counts = {len(p["replica_nodes"]) for p in described["partitions"]}
    min_isr = configs["topic"][topic].get("min.insync.replicas", {}).get("value")
    return counts, min_isr


def stored_count(sink_url: str) -> int:
    path = sink_url.removeprefix("sqlite:///")
    try:
        with sqlite3.connect(path, timeout=30) as db:
            return int(db.execute("SELECT count(*) FROM articles").fetchone()[0])
    except sqlite3.OperationalError:  # no table before the first worker started
        return 0


@dataclass
class SinkWatch:
    """Samples the sink's row count in a thread; the longest pause is the longest time between
    two samples that saw the count grow, from the first stored row to the last."""

    sink_url: str
    every: float = 0.25
    samples: list[tuple[float, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> SinkWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.samples.append((time.monotonic(), stored_count(self.sink_url)))
            self._stop.wait(self.every)

    def longest_pause(self) -> tuple[float, float]:
        """(seconds without a write, when it started, as monotonic time)."""
        growth = [t for (_, before), (t, n) in itertools.pairwise(self.samples) if n > before]
        if len(growth) < 2:
            return 0.0, 0.0
        gaps = [(b - a, a) for a, b in itertools.pairwise(growth)]
        return max(gaps)


def group_lag(settings: Settings, group: str, topic: str) -> int:
    """Records of ``topic`` past the offsets ``group`` committed, as the broker sees them (what
    an autoscaler such as KEDA reads)."""
    from kafka import KafkaConsumer, TopicPartition

    admin = _admin(settings)
    try:
        committed = admin.list_group_offsets({group: None})[group]
    finally:
        admin.close()
    consumer = KafkaConsumer(**kafka_python_options(settings), group_id=None)
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or []]
        ends = consumer.end_offsets(partitions)
    finally:
        consumer.close()
    done = {tp: meta.offset for tp, meta in committed.items() if tp.topic == topic}
    return sum(max(0, end - max(0, done.get(tp, 0))) for tp, end in ends.items())
