"""Static checks of the Compose file's ``cluster`` profile (no Docker engine here): three KRaft
nodes that form one quorum, topics with three copies and two in sync, and the same worker and
producer as the default services, pointed at every node."""

from __future__ import annotations

import base64

import pytest
import yaml

from coopwire_core.settings import Settings
from schemas.topics import TopicName
from tests.test_deploy import COMPOSE, interpolate

NODES = ("kafka-1", "kafka-2", "kafka-3")
CLUSTER = (*NODES, "cluster-topics", "cluster-worker", "cluster-producer")


@pytest.fixture(scope="module")
def services() -> dict:
    return yaml.safe_load(COMPOSE.read_text())["services"]


def env(services: dict, name: str) -> dict[str, str]:
    return {k: interpolate(str(v)) for k, v in services[name]["environment"].items()}


def test_cluster_services_only_start_with_the_profile(services: dict) -> None:
    for name in CLUSTER:
        assert services[name]["profiles"] == ["cluster"], name
    for name, service in services.items():
        if name not in CLUSTER:
            assert "profiles" not in service, f"{name} must start without a profile"


def test_three_nodes_form_one_quorum(services: dict) -> None:
    envs = [env(services, name) for name in NODES]
    assert [e["KAFKA_NODE_ID"] for e in envs] == ["1", "2", "3"]
    assert len({e["CLUSTER_ID"] for e in envs}) == 1
    assert len(base64.urlsafe_b64decode(envs[0]["CLUSTER_ID"] + "==")) == 16
    voters = envs[0]["KAFKA_CONTROLLER_QUORUM_VOTERS"]
    for name, node in zip(NODES, envs, strict=True):
        assert node["KAFKA_CONTROLLER_QUORUM_VOTERS"] == voters
        assert f"{node['KAFKA_NODE_ID']}@{name}:9093" in voters.split(",")
        assert "CONTROLLER://:9093" in node["KAFKA_LISTENERS"]
        assert f"PLAINTEXT://{name}:9092" in node["KAFKA_ADVERTISED_LISTENERS"]
        assert services[name]["hostname"] == name
        assert node["KAFKA_PROCESS_ROLES"] == "broker,controller"
        assert node["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
        assert "-Xmx384m" in node["KAFKA_HEAP_OPTS"]
        # Kafka's own topics survive one dead node too.
        assert node["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"] == "3"
        assert node["KAFKA_TRANSACTION_STATE_LOG_MIN_ISR"] == "2"
    volumes = [services[name]["volumes"][0].split(":")[0] for name in NODES]
    assert len(set(volumes)) == 3, "each node has storage of its own"
    host_ports = [services[name]["ports"][0] for name in (*NODES, "kafka")]
    assert len(set(host_ports)) == 4, "no host port collides, also with the single broker"


def test_topics_have_three_copies_and_need_two_in_sync(services: dict) -> None:
    topics = env(services, "cluster-topics")
    worker = env(services, "cluster-worker")
    assert set(topics["TOPICS"].split()) == {t.value for t in TopicName}
    assert topics["PARTITIONS"] == worker["COOPWIRE_TOPIC_PARTITIONS"]
    assert topics["REPLICATION_FACTOR"] == worker["COOPWIRE_TOPIC_REPLICATION_FACTOR"] == "3"
    assert topics["MIN_INSYNC_REPLICAS"] == worker["COOPWIRE_TOPIC_MIN_INSYNC_REPLICAS"] == "2"
    script = services["cluster-topics"]["command"][0]
    assert '--config "min.insync.replicas=$$MIN_INSYNC_REPLICAS"' in script
    assert topics["BOOTSTRAP"] == worker["COOPWIRE_KAFKA_BOOTSTRAP_SERVERS"]
    assert set(services["cluster-topics"]["depends_on"]) == set(NODES)


@pytest.mark.parametrize(
    ("ours", "default"), [("cluster-worker", "worker"), ("cluster-producer", "producer")]
)
def test_the_same_worker_and_producer_pointed_at_every_node(
    services: dict, ours: str, default: str
) -> None:
    mine, theirs = env(services, ours), env(services, default)
    fields = {f"COOPWIRE_{name.upper()}" for name in Settings.model_fields}
    assert set(mine) <= fields, set(mine) - fields
    Settings(**{k.removeprefix("COOPWIRE_").lower(): v for k, v in mine.items()})
    bootstrap = mine["COOPWIRE_KAFKA_BOOTSTRAP_SERVERS"].split(",")
    advertised = {
        listener.split("://", 1)[1]
        for name in NODES
        for listener in env(services, name)["KAFKA_ADVERTISED_LISTENERS"].split(",")
    }
    assert sorted(bootstrap) == [f"{name}:9092" for name in NODES]
    assert set(bootstrap) <= advertised
    differing = {k for k in mine.keys() | theirs.keys() if mine.get(k) != theirs.get(k)}
    assert differing == {
        "COOPWIRE_KAFKA_BOOTSTRAP_SERVERS",
        "COOPWIRE_TOPIC_REPLICATION_FACTOR",
        "COOPWIRE_TOPIC_MIN_INSYNC_REPLICAS",
    }
    for key in ("image", "build", "user", "read_only", "command"):
        assert services[ours][key] == services[default][key], key
    if default == "worker":
        for key in ("expose", "tmpfs", "healthcheck", "stop_grace_period"):
            assert services[ours][key] == services[default][key], key
        assert "ports" not in services[ours], "scalable: no fixed host port"
        needs = services[ours]["depends_on"]
        assert {name: needs[name]["condition"] for name in needs} == {
            **dict.fromkeys(NODES, "service_healthy"),
            "cluster-topics": "service_completed_successfully",
            "postgres": "service_healthy",
        }
