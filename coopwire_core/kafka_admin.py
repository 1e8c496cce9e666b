"""Topic creation at start-up: names, partitions and replication come from settings.

Workers starting together may both try to create a topic; "already exists" is success. Any
other refusal (a replication factor the cluster cannot meet, no permission) stops start-up with
the broker's own message. New topics are waited for until every partition has a leader, so the
first send does not race the broker's metadata.

Replication follows the cluster unless configured: each partition on min(3, brokers) brokers,
and with three or more copies ``min.insync.replicas=2``, so an ``acks=all`` write is on two
brokers before it is confirmed and one broker may die without losing it or stopping writes.
"""

from __future__ import annotations

from dataclasses import dataclass

from kafka import KafkaAdminClient
from kafka.admin import NewTopic
from kafka.errors import TopicAlreadyExistsError, for_code

from coopwire_core.settings import Settings, kafka_python_options


class TopicCreationError(RuntimeError):
    """The broker refused to create a coopwire topic."""


@dataclass(frozen=True)
class TopicLayout:
    partitions: int
    replication_factor: int
    #: ``None``: the broker's default (1 unless the cluster says otherwise).
    min_insync_replicas: int | None

    def configs(self) -> dict[str, str]:
        if self.min_insync_replicas is None:
            return {}
        return {"min.insync.replicas": str(self.min_insync_replicas)}


def topic_layout(settings: Settings, brokers: int) -> TopicLayout:
    """The layout for a cluster of ``brokers``; explicit settings win over the defaults."""
    factor = settings.topic_replication_factor or max(1, min(3, brokers))
    min_isr = settings.topic_min_insync_replicas
    if min_isr is None and factor >= 3:
        min_isr = 2
    return TopicLayout(settings.topic_partitions, factor, min_isr)


def wanted_topics(settings: Settings) -> list[str]:
    return [settings.topic_raw, settings.topic_enriched, settings.topic_events, settings.topic_dlq]


def _admin(settings: Settings, timeout_ms: int) -> KafkaAdminClient:
    return KafkaAdminClient(
        **kafka_python_options(settings), request_timeout_ms=timeout_ms, client_id="coopwire-admin"
    )


def count_brokers(admin: KafkaAdminClient) -> int:
    return len(admin.describe_cluster()["brokers"])


def resolve_replication(settings: Settings, timeout_ms: int = 30_000) -> Settings:
    """Settings with ``topic_replication_factor`` (and the in-sync minimum) filled in from the
    cluster, so the worker's own topics are replicated like the ones created here."""
    if settings.topic_replication_factor is not None:
        return settings
    admin = _admin(settings, timeout_ms)
    try:
        layout = topic_layout(settings, count_brokers(admin))
    finally:
        admin.close()
    return settings.model_copy(
        update={
            "topic_replication_factor": layout.replication_factor,
            "topic_min_insync_replicas": layout.min_insync_replicas,
        }
    )


def ensure_topics(settings: Settings, timeout_ms: int = 30_000) -> list[str]:
    """Create missing coopwire topics; return the names that were created."""
    admin = _admin(settings, timeout_ms)
    try:
        existing = set(admin.list_topics())
        names = [name for name in wanted_topics(settings) if name not in existing]
        if not names:
            return []
        layout = topic_layout(settings, count_brokers(admin))
        missing = [
            NewTopic(
                name,
                layout.partitions,
                layout.replication_factor,
                topic_configs=layout.configs(),
            )
            for name in names
        ]
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
