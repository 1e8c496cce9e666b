"""Topics the producer and the workers write to are created at start-up, as configured."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from kafka import KafkaAdminClient

from coopwire_core.kafka_admin import ensure_topics, wanted_topics
from coopwire_core.settings import kafka_python_options


def test_missing_topics_are_created_once_with_the_configured_partitions(settings):
    settings = settings.model_copy(update={"topic_partitions": 3})
    # Two workers starting at the same moment: one creates, neither fails.
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda _: ensure_topics(settings), range(2)))
    assert sorted(results[0] + results[1]) == sorted(wanted_topics(settings))
    assert ensure_topics(settings) == []

    admin = KafkaAdminClient(**kafka_python_options(settings))
    try:
        described = admin.describe_topics(wanted_topics(settings))
    finally:
        admin.close()
    assert {t["name"]: len(t["partitions"]) for t in described} == {
        name: 3 for name in wanted_topics(settings)
    }
