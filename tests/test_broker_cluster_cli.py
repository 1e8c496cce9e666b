"""``coopwire broker start --nodes 3`` / ``status`` / ``stop`` on the real jars: three nodes on
their own ports and storage, one quorum, and status and stop cover every node."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from kafka import KafkaAdminClient

pytestmark = pytest.mark.integration


def free_run(length: int) -> int:
    """A base port with ``length`` free ports after it."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = probe.getsockname()[1]
        if base + length >= 65535:
            continue
        sockets = []
        try:
            for port in range(base, base + length):
                sock = socket.socket()
                sockets.append(sock)
                sock.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for sock in sockets:
                sock.close()
    raise RuntimeError("no run of free ports")


def coopwire(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "coopwire.cli", "broker", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=400,
    )


def test_broker_start_nodes_3_status_and_stop_cover_every_node(tmp_path: Path) -> None:
    base = free_run(6)
    env = {
        "COOPWIRE_LOCAL_BROKER_PORT": str(base),
        "COOPWIRE_LOCAL_CLUSTER_HOME": str(tmp_path / "cluster"),
        "COOPWIRE_LOCAL_BROKER_HOME": str(tmp_path / "single"),  # not started here
    }
    try:
        started = coopwire(env, "start", "--nodes", "3")
        assert started.returncode == 0, started.stderr[-3000:]
        bootstrap = [f"127.0.0.1:{base + 2 * i}" for i in range(3)]
        assert f"bootstrap servers: {','.join(bootstrap)}" in started.stderr
        for i in range(3):
            assert (tmp_path / "cluster" / f"node-{i + 1}" / "data" / "meta.properties").exists()

        admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10_000)
        try:
            cluster = admin.describe_cluster()
        finally:
            admin.close()
        assert sorted(b["port"] for b in cluster["brokers"]) == [base, base + 2, base + 4]

        status = coopwire(env, "status")
        assert status.returncode == 0, status.stderr
        for i in range(3):
            assert f"127.0.0.1:{base + 2 * i} (node {i + 1}," in status.stderr

        other_size = coopwire(env, "start", "--nodes", "5")
        assert other_size.returncode == 2 and "3-node cluster exists" in other_size.stderr
    finally:
        stopped = coopwire(env, "stop")
    assert stopped.returncode == 0, stopped.stderr
    assert stopped.stderr.count("stopped") == 3
    after = coopwire(env, "status")
    assert after.returncode == 1 and "not running" in after.stderr
