"""Which Kafka and PostgreSQL the test session uses, and the containers when it is Docker.

``COOPWIRE_TEST_SERVICES`` chooses: ``containers`` (testcontainers; fail when Docker cannot
serve), ``local`` (the jar broker and a PostgreSQL cluster from Debian's binaries), or ``auto``
(the default): containers when a Docker engine answers at ``DOCKER_HOST`` *and* the Kafka and
PostgreSQL images are there, else local, with the reason. The choice is printed in pytest's
header and summary. Images: ``KAFKA_IMAGE`` / ``POSTGRES_IMAGE`` when set, else the local ones
``coopwire deploy images`` builds; nothing is pulled. The reaper (Ryuk) is an image from a
registry too, so it is off unless present; the fixtures remove their containers themselves,
and containers of a session that died are removed when the next one starts.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import os
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass

from coopwire.broker import free_port, kafka_answers

SESSION_LABEL = "io.coopwire.test-session-pid"
RYUK_IMAGE = "testcontainers/ryuk:0.8.1"


@dataclass(frozen=True)
class ServiceChoice:
    containers: bool
    reason: str
    kafka_image: str = ""
    postgres_image: str = ""

    def describe(self) -> str:
        if self.containers:
            return (
                f"Kafka and PostgreSQL from testcontainers ({self.kafka_image}, "
                f"{self.postgres_image}; {self.reason})"
            )
        return f"Kafka from the Maven jars, PostgreSQL from Debian's binaries ({self.reason})"


class ServiceChoiceError(RuntimeError):
    """COOPWIRE_TEST_SERVICES=containers, and Docker cannot serve them."""


@functools.cache
def choose_services() -> ServiceChoice:
    from coopwire.docker_engine import client, docker_host, engine_answers
    from coopwire.docker_images import LocalImages

    mode = os.environ.get("COOPWIRE_TEST_SERVICES", "auto")
    if mode not in ("auto", "containers", "local"):
        raise ServiceChoiceError(f"COOPWIRE_TEST_SERVICES={mode}: auto, containers or local")
    if mode == "local":
        return ServiceChoice(False, "COOPWIRE_TEST_SERVICES=local")
    host = docker_host()

    def fallback(reason: str) -> ServiceChoice:
        if mode == "containers":
            raise ServiceChoiceError(f"COOPWIRE_TEST_SERVICES=containers, but {reason}")
        return ServiceChoice(False, reason)

    if not engine_answers(host):
        return fallback(f"no Docker engine answers at {host}")
    local = LocalImages()
    kafka = os.environ.get("KAFKA_IMAGE") or local.kafka
    postgres = os.environ.get("POSTGRES_IMAGE") or local.postgres
    with contextlib.closing(client(host)) as docker_client:
        present = {tag for image in docker_client.images.list() for tag in image.tags}
        missing = [image for image in (kafka, postgres) if image not in present]
        if missing:
            return fallback(
                f"Docker answers at {host} but {', '.join(missing)} is not there "
                "(`make images` builds it; nothing is pulled)"
            )
        _remove_orphans(docker_client)
        if RYUK_IMAGE not in present:
            os.environ["TESTCONTAINERS_RYUK_DISABLED"] = "true"
    return ServiceChoice(True, f"Docker at {host}", kafka, postgres)


def _remove_orphans(docker_client) -> None:  # type: ignore[no-untyped-def]
    """Containers left by a test session that was killed (no reaper cleans them)."""
    for container in docker_client.containers.list(all=True, filters={"label": SESSION_LABEL}):
        pid = int(container.labels.get(SESSION_LABEL, "0"))
        try:
            os.kill(pid, 0)
            alive = pid != 0
        except ProcessLookupError:
            alive = False
        if not alive:
            container.remove(force=True, v=True)


def _container(image: str):  # type: ignore[no-untyped-def]
    from testcontainers.core.container import DockerContainer

    return DockerContainer(image).with_kwargs(labels={SESSION_LABEL: str(os.getpid())})


def _wait(probe, what: str, container, timeout: float) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if probe():
            return
        container.reload()
        if container.status != "running":
            break
        time.sleep(0.5)
    stdout, stderr = container.get_logs()
    logs = (stdout + stderr).decode(errors="replace")[-3000:]
    raise TimeoutError(f"{what} in a container did not answer within {timeout:.0f}s:\n{logs}")


@contextlib.contextmanager
def kafka_container(image: str, timeout: float = 180) -> Iterator[str]:
    """One KRaft node configured like the jar broker, on a host port equal to its container
    port, so the address it advertises works from the host without a second listener."""
    port = free_port()
    # 16 bytes, base64url; not starting with "-", which a command line would take for an option.
    cluster_id = "c" + base64.urlsafe_b64encode(secrets.token_bytes(16)).decode()[1:22]
    container = (
        _container(image)
        .with_bind_ports(port, port)
        .with_envs(
            CLUSTER_ID=cluster_id,
            KAFKA_NODE_ID="1",
            KAFKA_PROCESS_ROLES="broker,controller",
            KAFKA_LISTENERS=f"PLAINTEXT://:{port},CONTROLLER://:9093",
            KAFKA_ADVERTISED_LISTENERS=f"PLAINTEXT://127.0.0.1:{port}",
            KAFKA_CONTROLLER_LISTENER_NAMES="CONTROLLER",
            KAFKA_LISTENER_SECURITY_PROTOCOL_MAP="CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
            KAFKA_CONTROLLER_QUORUM_VOTERS="1@localhost:9093",
            KAFKA_INTER_BROKER_LISTENER_NAME="PLAINTEXT",
            KAFKA_LOG_DIRS="/tmp/kafka-data",
            KAFKA_NUM_PARTITIONS="4",
            KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR="1",
            KAFKA_OFFSETS_TOPIC_NUM_PARTITIONS="8",
            KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR="1",
            KAFKA_TRANSACTION_STATE_LOG_MIN_ISR="1",
            KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR="1",
            KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR="1",
            KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS="0",
            KAFKA_AUTO_CREATE_TOPICS_ENABLE="true",
            KAFKA_MESSAGE_MAX_BYTES="5242880",
            # The jar broker's JVM settings: the same footprint on a 2-core machine.
            KAFKA_HEAP_OPTS="-Xms256m -Xmx512m",
            KAFKA_JVM_PERFORMANCE_OPTS="-XX:+UseSerialGC",
        )
    )
    with container:
        bootstrap = f"127.0.0.1:{port}"
        _wait(lambda: kafka_answers(bootstrap), "Kafka", container, timeout)
        yield bootstrap


@contextlib.contextmanager
def postgres_container(image: str, timeout: float = 120) -> Iterator[str]:
    """A PostgreSQL server with the throwaway cluster's settings (no fsync); yields its URL."""
    import psycopg

    port = free_port()
    password = secrets.token_hex(12)
    container = (
        _container(image)
        .with_bind_ports(5432, port)
        .with_envs(POSTGRES_USER="postgres", POSTGRES_PASSWORD=password, POSTGRES_DB="postgres")
        .with_command(
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=40 -c shared_buffers=32MB"
        )
    )
    url = f"postgresql://postgres:{password}@127.0.0.1:{port}/postgres"

    def answers() -> bool:
        try:
            with psycopg.connect(url, connect_timeout=2):
                return True
        except psycopg.OperationalError:
            return False

    with container:
        _wait(answers, "PostgreSQL", container, timeout)
        yield url
