"""Shared fixtures. The broker is session-scoped; every test gets its own topic names.

Broker: ``KAFKA_BOOTSTRAP_SERVERS`` when set; else what ``tests.service_containers`` chose
(printed in the header): a Kafka container from a local image through testcontainers when
Docker can serve it, otherwise a real broker from the Maven jars (``coopwire.broker``).
PostgreSQL: ``COOPWIRE_TEST_POSTGRES_URL`` when set; else a container the same way, or a
throwaway cluster from Debian's binaries.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from coopwire.broker import CLUSTER_JVM_OPTIONS, LocalBroker, LocalCluster, free_port
from coopwire_core.settings import Settings
from tests.kafka_helpers import WorkerProcess
from tests.postgres_server import LocalPostgres, create_database
from tests.service_containers import (
    choose_services,
    kafka_container,
    postgres_container,
)

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "samples" / "articles.jsonl"


def pytest_report_header(config: pytest.Config) -> str:
    return f"services: {choose_services().describe()}"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    terminalreporter.write_line(f"services used: {choose_services().describe()}")


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    import os

    if os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        yield os.environ["KAFKA_BOOTSTRAP_SERVERS"]
        return
    services = choose_services()
    if services.containers:
        with kafka_container(services.kafka_image) as bootstrap:
            yield bootstrap
        return
    broker = LocalBroker(
        home=tmp_path_factory.mktemp("kafka"), port=free_port(), controller_port=free_port()
    )
    broker.start(timeout=180)
    try:
        yield broker.bootstrap_servers
    finally:
        broker.stop()


@pytest.fixture
def settings(kafka_bootstrap: str, tmp_path: Path) -> Settings:
    """Settings with topic names, consumer group and sink unique to this test."""
    return unique_settings(kafka_bootstrap, tmp_path)


def unique_settings(bootstrap: str, tmp_path: Path) -> Settings:
    tag = uuid.uuid4().hex[:8]
    return Settings(
        kafka_bootstrap_servers=bootstrap,
        topic_raw=f"t{tag}.articles.raw",
        topic_enriched=f"t{tag}.articles.enriched",
        topic_dlq=f"t{tag}.articles.dlq",
        topic_events=f"t{tag}.cooperation.events",
        topic_partitions=2,
        app_id=f"coopwire-test-{tag}",
        sink_url=f"sqlite:///{tmp_path / 'sink.db'}",
        data_dir=tmp_path / "data",
        web_port=free_port(),
    )


def settings_env(settings: Settings) -> dict[str, str]:
    """The same settings as environment variables, as a deployed worker would get them."""
    from pydantic import SecretStr

    env = {}
    for key, value in settings.model_dump(mode="json").items():
        if value is not None:
            secret = getattr(settings, key)
            # JSON dumps mask secrets; the worker needs the real value.
            if isinstance(secret, SecretStr):
                value = secret.get_secret_value()
            env[f"COOPWIRE_{key.upper()}"] = str(value)
    return env


@pytest.fixture
def start_worker(settings: Settings, tmp_path: Path) -> Iterator[Callable[..., WorkerProcess]]:
    yield from _worker_starter(settings, tmp_path)


def _worker_starter(settings: Settings, tmp_path: Path) -> Iterator[Callable[..., WorkerProcess]]:
    """Start ``coopwire worker`` processes with ``settings`` (plus overrides); stop them after."""
    workers: list[WorkerProcess] = []

    def start(**overrides: object) -> WorkerProcess:
        worker_settings = settings.model_copy(update={"web_port": free_port(), **overrides})
        env = settings_env(worker_settings)
        worker = WorkerProcess(env, tmp_path / f"worker-{len(workers)}.log")
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()


# --- PostgreSQL -----------------------------------------------------------------------------


@contextmanager
def _throwaway_postgres() -> Iterator[LocalPostgres]:
    """A new cluster on a free port, destroyed afterwards."""
    server = LocalPostgres(port=free_port())
    server.init()
    server.start()
    try:
        yield server
    finally:
        server.destroy()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[LocalPostgres | None]:
    """A throwaway cluster owned by this test session, or None when the session's server is
    ``COOPWIRE_TEST_POSTGRES_URL`` or a container (``postgres_url`` then names it)."""
    import os

    if os.environ.get("COOPWIRE_TEST_POSTGRES_URL") or choose_services().containers:
        yield None
        return
    with _throwaway_postgres() as server:
        yield server


@pytest.fixture(scope="session")
def postgres_url(postgres_server: LocalPostgres | None) -> Iterator[str]:
    """URL of a database on the session's server (for creating per-test databases)."""
    import os

    if postgres_server is not None:
        yield postgres_server.url
    elif os.environ.get("COOPWIRE_TEST_POSTGRES_URL"):
        yield os.environ["COOPWIRE_TEST_POSTGRES_URL"]
    else:
        with postgres_container(choose_services().postgres_image) as url:
            yield url


@pytest.fixture
def postgres_sink_url(postgres_url: str) -> str:
    """A fresh, empty database for this test."""
    return create_database(postgres_url, f"coopwire_test_{uuid.uuid4().hex[:10]}")


@pytest.fixture
def stoppable_postgres(postgres_server: LocalPostgres | None) -> Iterator[LocalPostgres]:
    """A server the test may stop and start: the session's own, or a throwaway one when the
    session uses ``COOPWIRE_TEST_POSTGRES_URL``. Always left running."""
    if postgres_server is not None:
        yield postgres_server
        if not postgres_server.is_running():
            postgres_server.start()
        return
    with _throwaway_postgres() as server:
        yield server


# --- A broker tests may stop ------------------------------------------------------------------


@pytest.fixture(scope="session")
def restartable_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalBroker]:
    """A broker of its own for tests that stop and restart it (never the shared one). Fixed
    ports, so it comes back at the same address with its data."""
    broker = LocalBroker(
        home=tmp_path_factory.mktemp("restartable-kafka"),
        port=free_port(),
        controller_port=free_port(),
    )
    broker.start(timeout=180)
    try:
        yield broker
    finally:
        broker.stop()


@pytest.fixture
def own_broker(restartable_broker: LocalBroker) -> LocalBroker:
    """The restartable broker, running (a previous test may have left it stopped)."""
    if not restartable_broker.is_running():
        restartable_broker.start(timeout=180)
    return restartable_broker


# --- A three-node cluster (only the cluster tests ask for it) ----------------------------------


@pytest.fixture(scope="session")
def kafka_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCluster]:
    """Three combined broker+controller nodes on free ports, small heaps (a 2-core machine).
    Tests kill and restart its nodes; ``cluster`` hands it out with every node running."""
    cluster = LocalCluster(
        root=tmp_path_factory.mktemp("kafka-cluster"),
        ports=[free_port() for _ in range(3)],
        controller_ports=[free_port() for _ in range(3)],
        jvm_options=CLUSTER_JVM_OPTIONS,
    )
    cluster.start(timeout=300)
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def cluster(kafka_cluster: LocalCluster) -> LocalCluster:
    """The session's cluster with all three nodes running (a previous test may have left one
    killed)."""
    for node in kafka_cluster.nodes:
        if not node.is_running():
            node.start(timeout=300)
    return kafka_cluster


@pytest.fixture
def cluster_settings(cluster: LocalCluster, tmp_path: Path) -> Settings:
    """Like ``settings``, on the cluster (every node as a bootstrap server), 4 partitions."""
    return unique_settings(cluster.bootstrap_servers, tmp_path).model_copy(
        update={"topic_partitions": 4}
    )


@pytest.fixture
def start_cluster_worker(
    cluster_settings: Settings, tmp_path: Path
) -> Iterator[Callable[..., WorkerProcess]]:
    yield from _worker_starter(cluster_settings, tmp_path)
