"""Test helpers that talk to the real broker: waits with deadlines, never bare sleeps."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import orjson
from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from kafka.errors import KafkaError

from coopwire_core.settings import Settings, kafka_python_options


def read_topic(
    settings: Settings,
    topic: str,
    *,
    until: Callable[[list[dict]], bool],
    timeout: float = 90.0,
    workers: list[WorkerProcess] = (),  # type: ignore[assignment]
) -> list[dict]:
    """Read ``topic`` from the beginning until ``until(messages)`` holds or the deadline passes.
    Fails at once when one of ``workers`` has died, with the end of its log."""
    consumer = KafkaConsumer(
        topic,
        **kafka_python_options(settings),
        group_id=None,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    messages: list[dict] = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=500).values():
                for record in records:
                    messages.append(
                        {
                            "key": record.key,
                            "partition": record.partition,
                            "offset": record.offset,
                            "value": orjson.loads(record.value),
                        }
                    )
            if until(messages):
                return messages
            for worker in workers:
                worker.assert_alive()
    finally:
        consumer.close()
    raise TimeoutError(f"{topic}: condition not met in {timeout}s ({len(messages)} messages)")


def end_offsets(settings: Settings, topic: str) -> dict[int, int]:
    """The end offset of each partition of ``topic``: what a reader must reach to have it all."""
    consumer = KafkaConsumer(**kafka_python_options(settings), group_id=None)
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        return {tp.partition: offset for tp, offset in consumer.end_offsets(partitions).items()}
    finally:
        consumer.close()


def read_to_end(settings: Settings, topic: str, timeout: float = 60.0) -> list[dict]:
    """Every message of ``topic`` up to its end offsets taken now. Counting these, not reading
    until some count is reached, is what sees an extra duplicate or a stray dead letter."""
    ends = end_offsets(settings, topic)
    wanted = sum(ends.values())
    messages = read_topic(
        settings,
        topic,
        until=lambda msgs: len(msgs) >= wanted,
        timeout=timeout,
    )
    # A message written after the end offsets were taken is not part of this reading.
    return [m for m in messages if m["offset"] < ends[m["partition"]]]


def committed_offsets(settings: Settings, topic: str, group: str) -> dict[int, int]:
    """The offsets ``group`` committed on ``topic`` (partitions without a commit are absent)."""
    admin = KafkaAdminClient(**kafka_python_options(settings))
    try:
        offsets = admin.list_group_offsets(group).get(group, {})
    except KafkaError:  # no such group yet: nothing committed
        return {}
    finally:
        admin.close()
    return {tp.partition: meta.offset for tp, meta in offsets.items() if tp.topic == topic}


def wait_all_committed(
    settings: Settings, topic: str, group: str, timeout: float = 120.0, workers: list = ()
) -> None:
    """Wait until ``group`` has committed every message of ``topic``: the workers acked them all,
    so everything they will ever write for them is on the output topics."""

    def done() -> bool:
        for worker in workers:
            worker.assert_alive()
        ends = end_offsets(settings, topic)
        committed = committed_offsets(settings, topic, group)
        return all(committed.get(p, 0) >= end for p, end in ends.items())

    wait_for(done, timeout, f"group {group} to commit all of {topic}", every=0.5)


def group_assignment(settings: Settings, group: str, topic: str) -> dict[str, set[int]]:
    """Partitions of ``topic`` each member of a stable ``group`` holds, as the broker sees them;
    empty while the group forms or rebalances."""
    admin = KafkaAdminClient(**kafka_python_options(settings))
    try:
        description = admin.describe_groups([group])[group]
    except KafkaError:  # no coordinator yet (a fresh broker creates its offsets topic first)
        return {}
    finally:
        admin.close()
    if description.get("error") or description.get("group_state") != "Stable":
        return {}
    held: dict[str, set[int]] = {}
    for member in description.get("members", []):
        assignment = member.get("member_assignment")
        if isinstance(assignment, dict):
            assigned = assignment.get("assigned_partitions") or []
        else:
            assigned = getattr(assignment, "assigned_partitions", None) or []
        partitions: set[int] = set()
        for entry in assigned:
            name, numbers = (
                (entry.get("topic"), entry.get("partitions"))
                if isinstance(entry, dict)
                else tuple(entry)
            )
            if name == topic:
                partitions.update(numbers or [])
        held[member["member_id"]] = partitions
    return held


def wait_for(predicate: Callable[[], bool], timeout: float, what: str, every: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(every)
    raise TimeoutError(f"timed out after {timeout}s waiting for {what}")


class WorkerProcess:
    """A ``coopwire worker`` subprocess with its own environment and log file."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.log_path = log_path
        self._log = log_path.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "coopwire.cli", "worker"],
            env={**os.environ, **env},
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def assert_alive(self) -> None:
        if self.proc.poll() is not None:
            raise RuntimeError(f"worker exited with {self.proc.returncode}:\n{self.log()[-3000:]}")

    def stop(self, timeout: float = 30.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self._log.close()
        return self.proc.returncode

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self._log.close()
