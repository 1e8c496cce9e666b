"""Real Apache Kafka brokers (KRaft) from Maven Central jars, without Docker: one node, or a
cluster of combined broker+controller nodes.

Used by the demo, the tests and CI. The jars are resolved once with Maven (``deploy/kafka/pom.xml``)
into a cache outside git; each broker instance lives in its own directory with its config,
storage, log and pid file, so tests can run one on free ports next to a developer's broker.
A cluster (``LocalCluster``) is several such nodes sharing one cluster id and one static
controller quorum, so a test can SIGKILL any node and start it again with its data.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
POM = REPO_ROOT / "deploy" / "kafka" / "pom.xml"
LOG4J_CONFIG = REPO_ROOT / "deploy" / "kafka" / "log4j2.yaml"


def cache_dir() -> Path:
    return Path(os.environ.get("COOPWIRE_CACHE_DIR", Path.home() / ".cache" / "coopwire"))


def kafka_version() -> str:
    text = POM.read_text()
    return text.split("<kafka.version>", 1)[1].split("</kafka.version>", 1)[0].strip()


def libs_dir() -> Path:
    return cache_dir() / f"kafka-{kafka_version()}" / "libs"


def ensure_jars() -> Path:
    """Resolve the broker jars with Maven unless they are already cached."""
    libs = libs_dir()
    marker = libs / f"kafka_2.13-{kafka_version()}.jar"
    if marker.exists():
        return libs
    if shutil.which("mvn") is None:
        raise RuntimeError("Maven (mvn) is needed once to fetch the Kafka jars; install it first")
    tmp = libs.with_name("libs.partial")
    shutil.rmtree(tmp, ignore_errors=True)
    subprocess.run(
        [
            "mvn",
            "-q",
            "-B",
            "-f",
            str(POM),
            "dependency:copy-dependencies",
            "-DincludeScope=runtime",
            f"-DoutputDirectory={tmp}",
        ],
        check=True,
    )
    shutil.rmtree(libs, ignore_errors=True)
    tmp.rename(libs)
    return libs


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def kafka_answers(bootstrap_servers: str) -> bool:
    """Does a broker at ``bootstrap_servers`` answer a metadata request (not only a TCP
    connect: a starting broker accepts connections before it can serve)?"""
    from kafka import KafkaAdminClient
    from kafka.errors import KafkaError

    try:
        admin = KafkaAdminClient(
            bootstrap_servers=bootstrap_servers,
            request_timeout_ms=5000,
            client_id="coopwire-broker-probe",
        )
    except KafkaError:
        return False
    try:
        admin.describe_cluster()
        return True
    except KafkaError:
        return False
    finally:
        admin.close()


def java_command() -> list[str]:
    java_home = os.environ.get("JAVA_HOME")
    java = str(Path(java_home) / "bin" / "java") if java_home else (shutil.which("java") or "java")
    return [
        java,
        "-Xms256m",
        "-Xmx512m",
        "-XX:+UseSerialGC",
        "-Djava.awt.headless=true",
        f"-Dlog4j2.configurationFile={LOG4J_CONFIG}",
    ]


@dataclass
class LocalBroker:
    """One broker+controller on 127.0.0.1. ``extra_listeners`` lets tests add e.g. SASL_SSL."""

    home: Path
    port: int = 9092
    controller_port: int = 9093
    extra_properties: dict[str, str] = field(default_factory=dict)
    extra_listeners: dict[str, int] = field(default_factory=dict)
    jvm_options: list[str] = field(default_factory=list)
    #: This node's id and the controller port of every voter (``None``: this node alone).
    node_id: int = 1
    voters: dict[int, int] | None = None
    #: Shared by every node of a cluster; a fresh one is drawn for a single node.
    cluster_id: str | None = None

    @property
    def bootstrap_servers(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def pid_file(self) -> Path:
        return self.home / "broker.pid"

    @property
    def log_file(self) -> Path:
        return self.home / "broker.log"

    @property
    def config_file(self) -> Path:
        return self.home / "server.properties"

    def properties(self) -> dict[str, str]:
        listeners = {"PLAINTEXT": self.port, **self.extra_listeners}
        listener_str = ",".join(f"{name}://127.0.0.1:{port}" for name, port in listeners.items())
        protocol_map = ",".join(["CONTROLLER:PLAINTEXT"] + [f"{name}:{name}" for name in listeners])
        voters = self.voters or {self.node_id: self.controller_port}
        props = {
            "process.roles": "broker,controller",
            "node.id": str(self.node_id),
            "controller.quorum.voters": ",".join(
                f"{node}@127.0.0.1:{port}" for node, port in sorted(voters.items())
            ),
            "listeners": f"{listener_str},CONTROLLER://127.0.0.1:{self.controller_port}",
            "advertised.listeners": listener_str,
            "controller.listener.names": "CONTROLLER",
            "listener.security.protocol.map": protocol_map,
            "inter.broker.listener.name": "PLAINTEXT",
            "log.dirs": str(self.home / "data"),
            "num.partitions": "4",
            "offsets.topic.replication.factor": "1",
            "offsets.topic.num.partitions": "8",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "share.coordinator.state.topic.replication.factor": "1",
            "share.coordinator.state.topic.min.isr": "1",
            "group.initial.rebalance.delay.ms": "0",
            "auto.create.topics.enable": "true",
            "message.max.bytes": "5242880",
            "log.retention.hours": "168",
            **internal_topic_replication(len(voters)),
        }
        props.update(self.extra_properties)
        return props

    def pid(self) -> int | None:
        try:
            pid = int(self.pid_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        return pid

    def is_running(self) -> bool:
        return self.pid() is not None

    def start(self, timeout: float = 120.0) -> None:
        """Format storage on first start, launch the JVM, wait until it answers metadata."""
        proc = self.launch()
        try:
            self.wait_ready(timeout, proc=proc)
        except Exception:
            self.stop()
            raise

    def launch(self) -> subprocess.Popen[bytes] | None:
        """Format storage on first start and launch the JVM without waiting for it (a cluster
        launches every node first: none is ready before a majority of controllers runs).
        ``None`` when it already runs."""
        if self.is_running():
            return None
        libs = ensure_jars()
        self.home.mkdir(parents=True, exist_ok=True)
        self.config_file.write_text(
            "".join(f"{key}={value}\n" for key, value in self.properties().items())
        )
        classpath = f"{libs}/*"
        if not (self.home / "data" / "meta.properties").exists():
            cluster_id = self.cluster_id or new_cluster_id()
            subprocess.run(
                [
                    *java_command(),
                    "-cp",
                    classpath,
                    "kafka.tools.StorageTool",
                    "format",
                    "-t",
                    cluster_id,
                    "-c",
                    str(self.config_file),
                    "--ignore-formatted",
                ],
                check=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
        with self.log_file.open("ab") as log:
            proc = subprocess.Popen(
                [
                    *java_command(),
                    *self.jvm_options,
                    "-cp",
                    classpath,
                    "kafka.Kafka",
                    str(self.config_file),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        self.pid_file.write_text(str(proc.pid))
        return proc

    def wait_ready(
        self, timeout: float = 120.0, proc: subprocess.Popen[bytes] | None = None
    ) -> None:
        deadline = time.monotonic() + timeout
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            if proc is not None and proc.poll() is not None:
                tail = self.log_file.read_text(errors="replace")[-3000:]
                raise RuntimeError(f"Kafka broker exited with {proc.returncode}:\n{tail}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    pass
                if self._metadata_ok():
                    return
            except OSError as exc:
                last_error = exc
            time.sleep(0.25)
        raise TimeoutError(
            f"Kafka broker on port {self.port} not ready in {timeout}s: {last_error}"
        )

    def _metadata_ok(self) -> bool:
        return kafka_answers(self.bootstrap_servers)

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM the broker's process group, SIGKILL it after the deadline: no stray JVM."""
        pid = self.pid()
        if pid is None:
            self.pid_file.unlink(missing_ok=True)
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self._alive(pid):
            time.sleep(0.1)
        if self._alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
            while self._alive(pid):
                time.sleep(0.05)
        self.pid_file.unlink(missing_ok=True)

    def kill(self) -> None:
        """Stop without a clean shutdown (for failure tests)."""
        pid = self.pid()
        if pid is not None:
            os.killpg(pid, signal.SIGKILL)
            while self._alive(pid):
                time.sleep(0.05)
        self.pid_file.unlink(missing_ok=True)

    @staticmethod
    def _alive(pid: int) -> bool:
        try:
            waited, _ = os.waitpid(pid, os.WNOHANG)
            if waited == pid:
                return False
        except ChildProcessError:
            pass
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        try:
            state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
            return state != "Z"
        except (FileNotFoundError, IndexError):
            return False


def new_cluster_id() -> str:
    return str(uuid.uuid4()).replace("-", "")[:22]


def internal_topic_replication(nodes: int) -> dict[str, str]:
    """Kafka's own topics (consumer offsets, transactions) replicated like coopwire's: on up to
    three nodes, and needing two in sync once there are three, so one dead node loses no commit."""
    factor = min(3, nodes)
    min_isr = 2 if factor >= 3 else 1
    return {
        "offsets.topic.replication.factor": str(factor),
        "transaction.state.log.replication.factor": str(factor),
        "transaction.state.log.min.isr": str(min_isr),
        "share.coordinator.state.topic.replication.factor": str(factor),
        "share.coordinator.state.topic.min.isr": str(min_isr),
        "default.replication.factor": str(factor),
    }


@dataclass
class LocalCluster:
    """Several combined broker+controller nodes on 127.0.0.1, one static KRaft quorum.

    The layout (cluster id, ports) is kept in ``root/cluster.json``, so ``status`` and ``stop``
    find every node, and a node started again after a kill rejoins with its own storage."""

    root: Path
    ports: list[int]
    controller_ports: list[int]
    jvm_options: list[str] = field(default_factory=list)
    cluster_id: str = field(default_factory=new_cluster_id)

    def __post_init__(self) -> None:
        if len(self.ports) != len(self.controller_ports) or not self.ports:
            raise ValueError("one client port and one controller port per node")
        voters = {i + 1: port for i, port in enumerate(self.controller_ports)}
        self.nodes = [
            LocalBroker(
                home=self.root / f"node-{node_id}",
                port=port,
                controller_port=voters[node_id],
                jvm_options=list(self.jvm_options),
                node_id=node_id,
                voters=voters,
                cluster_id=self.cluster_id,
            )
            for node_id, port in zip(voters, self.ports, strict=True)
        ]

    @property
    def layout_file(self) -> Path:
        return self.root / "cluster.json"

    @property
    def bootstrap_servers(self) -> str:
        """Every node: a client can start while any one of them is down."""
        return ",".join(node.bootstrap_servers for node in self.nodes)

    def node(self, node_id: int) -> LocalBroker:
        return self.nodes[node_id - 1]

    def by_port(self, port: int) -> LocalBroker:
        return next(node for node in self.nodes if node.port == port)

    def save(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.layout_file.write_text(
            json.dumps(
                {
                    "cluster_id": self.cluster_id,
                    "ports": self.ports,
                    "controller_ports": self.controller_ports,
                },
                indent=2,
            )
        )

    @classmethod
    def load(cls, root: Path, jvm_options: list[str] | None = None) -> LocalCluster | None:
        try:
            layout = json.loads((root / "cluster.json").read_text())
        except FileNotFoundError:
            return None
        return cls(
            root=root,
            ports=layout["ports"],
            controller_ports=layout["controller_ports"],
            jvm_options=jvm_options or [],
            cluster_id=layout["cluster_id"],
        )

    def start(self, timeout: float = 180.0) -> None:
        """Launch every node, then wait until each answers metadata."""
        self.save()
        procs = [node.launch() for node in self.nodes]
        try:
            for node, proc in zip(self.nodes, procs, strict=True):
                node.wait_ready(timeout, proc=proc)
        except Exception:
            self.stop()
            raise

    def running(self) -> list[LocalBroker]:
        return [node for node in self.nodes if node.is_running()]

    def stop(self, timeout: float = 30.0) -> None:
        for node in self.nodes:
            node.stop(timeout)


CLUSTER_JVM_OPTIONS = ["-Xms128m", "-Xmx384m"]


def default_cluster(nodes: int = 3) -> LocalCluster:
    """The developer cluster of ``coopwire broker start --nodes N``: node i listens on
    base + 2(i-1) and its controller on the port above (9092/9093, 9094/9095, 9096/9097).
    An existing cluster keeps its layout; one of another size must be removed first."""
    base = int(os.environ.get("COOPWIRE_LOCAL_BROKER_PORT", "9092"))
    root = Path(os.environ.get("COOPWIRE_LOCAL_CLUSTER_HOME", cache_dir() / "cluster"))
    existing = LocalCluster.load(root, CLUSTER_JVM_OPTIONS)
    if existing is not None:
        if len(existing.nodes) != nodes:
            raise ValueError(
                f"a {len(existing.nodes)}-node cluster exists in {root}; stop it and delete "
                f"that folder to start one of {nodes} nodes"
            )
        return existing
    ports = [base + 2 * i for i in range(nodes)]
    return LocalCluster(
        root=root,
        ports=ports,
        controller_ports=[port + 1 for port in ports],
        jvm_options=CLUSTER_JVM_OPTIONS,
    )


def known_brokers() -> list[LocalBroker]:
    """The developer broker and every node of the developer cluster, if one was made."""
    root = Path(os.environ.get("COOPWIRE_LOCAL_CLUSTER_HOME", cache_dir() / "cluster"))
    cluster = LocalCluster.load(root)
    return [default_broker(), *(cluster.nodes if cluster else [])]


def default_broker() -> LocalBroker:
    """The developer broker used by ``coopwire broker`` and the demo."""
    port = int(os.environ.get("COOPWIRE_LOCAL_BROKER_PORT", "9092"))
    home = Path(os.environ.get("COOPWIRE_LOCAL_BROKER_HOME", cache_dir() / "broker"))
    return LocalBroker(home=home, port=port, controller_port=port + 1)
