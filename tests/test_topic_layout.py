"""How coopwire lays out its topics on a cluster of a given size, and what overrides win."""

from __future__ import annotations

import pytest

from coopwire.broker import LocalBroker, internal_topic_replication
from coopwire_core.kafka_admin import TopicLayout, topic_layout
from coopwire_core.settings import Settings


@pytest.mark.parametrize(
    ("brokers", "factor", "min_isr"), [(1, 1, None), (2, 2, None), (3, 3, 2), (5, 3, 2)]
)
def test_default_layout_follows_the_cluster(brokers: int, factor: int, min_isr: int | None):
    layout = topic_layout(Settings(topic_partitions=6), brokers)
    assert layout == TopicLayout(6, factor, min_isr)


def test_settings_override_both_numbers() -> None:
    settings = Settings(topic_replication_factor=2, topic_min_insync_replicas=1)
    assert topic_layout(settings, 5) == TopicLayout(4, 2, 1)
    assert topic_layout(settings, 5).configs() == {"min.insync.replicas": "1"}
    # An explicit factor of 3 gets the same in-sync minimum as the default.
    assert topic_layout(Settings(topic_replication_factor=3), 1).min_insync_replicas == 2
    assert topic_layout(Settings(), 1).configs() == {}


def test_replication_settings_come_from_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("COOPWIRE_TOPIC_REPLICATION_FACTOR", "3")
    monkeypatch.setenv("COOPWIRE_TOPIC_MIN_INSYNC_REPLICAS", "2")
    settings = Settings()
    assert (settings.topic_replication_factor, settings.topic_min_insync_replicas) == (3, 2)


def test_cluster_nodes_share_one_quorum_and_replicate_kafka_internal_topics(tmp_path) -> None:
    voters = {1: 9093, 2: 9095, 3: 9097}
    node = LocalBroker(home=tmp_path, port=9094, controller_port=9095, node_id=2, voters=voters)
    props = node.properties()
    assert props["node.id"] == "2"
    assert props["controller.quorum.voters"] == "1@127.0.0.1:9093,2@127.0.0.1:9095,3@127.0.0.1:9097"
    assert props["offsets.topic.replication.factor"] == "3"
    assert props["transaction.state.log.min.isr"] == "2"
    single = LocalBroker(home=tmp_path, port=9092, controller_port=9093).properties()
    assert single["controller.quorum.voters"] == "1@127.0.0.1:9093"
    assert single["offsets.topic.replication.factor"] == "1"
    assert internal_topic_replication(2)["transaction.state.log.min.isr"] == "1"
