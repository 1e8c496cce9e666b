"""The producer against a broker that goes away: it retries through a restart without losing or
duplicating a message (idempotent producer), and when the broker stays down past the delivery
timeout, its exit code and summary say exactly how many messages were not delivered.

These tests stop their own broker, so they get one of their own (fixed ports: it comes back at
the same address), not the session's.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from coopwire.broker import LocalBroker
from coopwire_core.kafka_admin import ensure_topics
from coopwire_core.settings import Settings
from producers.kafka_producer import ArticleProducer
from schemas import RawArticle, encode
from tests.kafka_helpers import read_topic
from tests.short_articles import short_articles


def _settings(broker: LocalBroker, **overrides: object) -> Settings:
    tag = uuid.uuid4().hex[:8]
    return Settings(
        kafka_bootstrap_servers=broker.bootstrap_servers,
        topic_raw=f"p{tag}.articles.raw",
        topic_enriched=f"p{tag}.articles.enriched",
        topic_dlq=f"p{tag}.articles.dlq",
        topic_events=f"p{tag}.cooperation.events",
        topic_partitions=2,
        **overrides,
    )


def test_producer_rides_out_a_broker_restart_without_loss_or_duplicates(own_broker):
    broker = own_broker
    settings = _settings(broker)
    ensure_topics(settings)
    articles = short_articles(2000, prefix="restart")
    restart: dict[str, object] = {}

    def with_a_restart_in_the_middle(producer: ArticleProducer) -> Iterator[RawArticle]:
        for i, article in enumerate(articles):
            if i == 600:
                producer.flush(timeout=60)  # these are on the broker for sure
                restart["stopped_at"] = time.monotonic()
                broker.stop()
                # The rest is sent while the broker is down and while it starts again.
                thread = threading.Thread(target=broker.start, kwargs={"timeout": 180})
                thread.start()
                restart["thread"] = thread
            yield article

    with ArticleProducer(settings) as producer:
        report = producer.send_all(with_a_restart_in_the_middle(producer))
        finished_at = time.monotonic()
    restart["thread"].join()  # type: ignore[attr-defined]

    assert report.ok and report.sent == len(articles), report.failed[:3]
    messages = read_topic(settings, settings.topic_raw, until=lambda m: len(m) >= 2000)
    keys = [m["key"] for m in messages]
    assert len(keys) == len(set(keys)) == 2000
    assert {k.decode() for k in keys} == {a.id for a in articles}
    print(
        f"\n[broker restart] 2000 sent, 0 failed; 1400 sent while the broker stopped and "
        f"restarted; last ack {finished_at - restart['stopped_at']:.1f}s after the stop; "  # type: ignore[operator]
        f"{len(messages)} on the topic, {len(keys) - len(set(keys))} duplicates"
    )


def test_broker_down_past_the_delivery_timeout_gives_exit_code_2_and_true_counts(
    own_broker, tmp_path: Path
):
    broker = own_broker
    settings = _settings(broker)
    ensure_topics(settings)
    first, second = (
        short_articles(300, prefix="down")[:200],
        short_articles(300, prefix="down")[200:],
    )
    env = {
        **os.environ,
        "COOPWIRE_KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap_servers,
        "COOPWIRE_TOPIC_RAW": settings.topic_raw,
        "COOPWIRE_PRODUCER_DELIVERY_TIMEOUT_S": "5",
    }
    stderr_path = tmp_path / "produce.err"
    with stderr_path.open("wb") as stderr:
        proc = subprocess.Popen(
            [sys.executable, "-m", "coopwire.cli", "produce", "-"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            env=env,
        )
        assert proc.stdin is not None
        try:
            proc.stdin.write(b"".join(encode(a) + b"\n" for a in first))
            proc.stdin.flush()
            read_topic(settings, settings.topic_raw, until=lambda m: len(m) >= len(first))
            broker.stop()
            started = time.monotonic()
            proc.stdin.write(b"".join(encode(a) + b"\n" for a in second))
            proc.stdin.close()
            code = proc.wait(timeout=120)
        finally:
            if proc.poll() is None:
                proc.kill()
    gave_up_after = time.monotonic() - started
    err = stderr_path.read_text()

    assert code == 2, err[-2000:]
    assert f"sent {len(first)}, rejected 0, failed {len(second)}" in err, err[-2000:]
    assert err.count("not delivered") == len(second)
    assert all(f"not delivered {a.id}:" in err for a in second)
    print(
        f"\n[broker down] exit code {code}; sent {len(first)}, failed {len(second)}; "
        f"gave up {gave_up_after:.1f}s after the stop (delivery timeout 5s)"
    )
