"""Topic creation at start-up: names and partition counts come from settings.

Workers starting together may both try to create a topic; "already exists" is success. Any
other refusal (a replication factor the cluster cannot meet, no permission) stops start-up with
the broker's own message. New topics are waited for until every partition has a leader, so the
first send does not race the broker's metadata.
"""

from __future__ import annotations

from kafka import KafkaAdminClient
from kafka.admin import NewTopic
from kafka.errors import TopicAlreadyExistsError, for_code

from coopwire_core.settings import Settings, kafka_python_options


class TopicCreationError(RuntimeError):
    """The broker refused to create a coopwire topic."""


def wanted_topics(settings: Settings) -> list[str]:
    return [settings.topic_raw, settings.topic_enriched, settings.topic_events, settings.topic_dlq]


def ensure_topics(settings: Settings, timeout_ms: int = 30_000) -> list[str]:
    """Create missing coopwire topics; return the names that were created."""
    admin = KafkaAdminClient(
        **kafka_python_options(settings), request_timeout_ms=timeout_ms, client_id="coopwire-admin"
    )
    try:
        existing = set(admin.list_topics())
        missing = [
            NewTopic(name, settings.topic_partitions, settings.topic_replication_factor)
            for name in wanted_topics(settings)
            if name not in existing
        ]
        if not missing:
            return []
        response = admin.create_topics(missing, timeout_ms=timeout_ms, raise_errors=False)
        created, refused = [], []
        for topic in response.get("topics", []):
            code = topic.get("error_code", 0)
            if code == 0:
                created.append(topic["name"])
            elif for_code(code) is not TopicAlreadyExistsError:
                message = topic.get("error_message") or for_code(code).__name__
                refused.append(f"{topic['name']}: {message}")
        if refused:
            raise TopicCreationError("the broker refused to create " + "; ".join(refused))
        if created:
            admin.wait_for_topics(created, timeout_ms=timeout_ms)
        return created
    finally:
        admin.close()


def partition_count(settings: Settings, topic: str, timeout_ms: int = 30_000) -> int:
    """How many partitions ``topic`` has (the most workers that get work from it)."""
    admin = KafkaAdminClient(
        **kafka_python_options(settings), request_timeout_ms=timeout_ms, client_id="coopwire-admin"
    )
    try:
        (description,) = admin.describe_topics([topic])
        return len(description.get("partitions", []))
    finally:
        admin.close()
