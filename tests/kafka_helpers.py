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
from kafka import KafkaConsumer

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
