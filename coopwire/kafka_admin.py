"""Topic creation at start-up: names and partition counts come from settings."""

from __future__ import annotations

import contextlib

from kafka import KafkaAdminClient
from kafka.admin import NewTopic
from kafka.errors import TopicAlreadyExistsError

from coopwire.settings import Settings, kafka_python_options


def ensure_topics(settings: Settings, timeout_ms: int = 30_000) -> list[str]:
    """Create missing coopwire topics; return the names that were created."""
    admin = KafkaAdminClient(
        **kafka_python_options(settings), request_timeout_ms=timeout_ms, client_id="coopwire-admin"
    )
    try:
        existing = set(admin.list_topics())
        wanted = [
            settings.topic_raw,
            settings.topic_enriched,
            settings.topic_events,
            settings.topic_dlq,
        ]
        missing = [
            NewTopic(name, settings.topic_partitions, settings.topic_replication_factor)
            for name in wanted
            if name not in existing
        ]
        if not missing:
            return []
        with contextlib.suppress(TopicAlreadyExistsError):
            admin.create_topics(missing, timeout_ms=timeout_ms)
        return [t.name for t in missing]
    finally:
        admin.close()
