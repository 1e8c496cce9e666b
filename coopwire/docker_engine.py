"""The Docker engine the deployment commands and tests talk to, started here when none answers.

The engine is the one ``DOCKER_HOST`` names (Docker's own variable), else the default socket.
A machine without a registry or a Docker package of its own still has Debian's ``docker.io``:
as root, a missing daemon is installed with apt and started on that socket. A private socket
(``unix:///run/coopwire-docker.sock``) gets a data root, exec root and pid file of the same
name, so it never disturbs a daemon other people use on the default socket.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from coopwire.broker import cache_dir

DEFAULT_SOCKET = "/var/run/docker.sock"
# Where coopwire starts an engine of its own when DOCKER_HOST is not set (tests, CI): a daemon
# there never changes what other programs find on the default socket.
PRIVATE_HOST = "unix:///run/coopwire-docker.sock"


class DockerEngineError(RuntimeError):
    """No engine answers and none could be started; the message says why."""


def docker_host() -> str:
    """``DOCKER_HOST`` when set, else the default socket (what every Docker client does)."""
    return os.environ.get("DOCKER_HOST") or f"unix://{DEFAULT_SOCKET}"


def client(host: str | None = None, timeout: int = 600):  # type: ignore[no-untyped-def]
    """A Docker SDK client for ``host``; the API version is negotiated (Debian's 20.10 speaks
    1.41, newer clients default to higher)."""
    import docker

    return docker.DockerClient(base_url=host or docker_host(), version="auto", timeout=timeout)


def engine_for_tests() -> str:
    """``DOCKER_HOST`` when set; else the default socket when an engine answers there; else
    the private socket, where ``ensure_engine`` may start one."""
    if os.environ.get("DOCKER_HOST"):
        return os.environ["DOCKER_HOST"]
    default = f"unix://{DEFAULT_SOCKET}"
    return default if engine_answers(default) else PRIVATE_HOST


def engine_answers(host: str | None = None) -> bool:
    try:
        with contextlib.closing(client(host, timeout=3)) as docker_client:
            return bool(docker_client.ping())
    except Exception:
        return False


@dataclass(frozen=True)
class DaemonLayout:
    """Where a daemon for one socket keeps its state."""

    socket: Path
    args: tuple[str, ...]
    pid_file: Path
    log_file: Path


def daemon_layout(host: str) -> DaemonLayout:
    if not host.startswith("unix://"):
        raise DockerEngineError(f"DOCKER_HOST={host}: only a local unix socket can be started here")
    socket = Path(host.removeprefix("unix://"))
    log_file = cache_dir() / "docker" / f"dockerd-{socket.stem}.log"
    if str(socket) in (DEFAULT_SOCKET, "/run/docker.sock"):
        return DaemonLayout(socket, (), Path("/var/run/docker.pid"), log_file)
    stem = socket.stem
    pid_file = Path("/run") / f"{stem}.pid"
    args = (
        f"--data-root=/var/lib/{stem}",
        f"--exec-root=/run/{stem}",
        f"--pidfile={pid_file}",
    )
    return DaemonLayout(socket, args, pid_file, log_file)


def _install_docker() -> None:
    """Debian's docker.io: the engine a machine without Docker's own packages can get."""
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", "docker.io"]):
        result = subprocess.run(command, env=env, capture_output=True, text=True)
        if result.returncode != 0:
            raise DockerEngineError(f"{' '.join(command)} failed:\n{result.stderr[-2000:]}")


def start_engine(host: str | None = None, timeout: float = 90.0) -> int:
    """Start ``dockerd`` on ``host``'s socket and wait until it answers; returns its pid.

    ``--iptables=false``: containers reach each other on Compose's networks and published
    ports go through Docker's userland proxy, which is all coopwire needs; image builds use the
    host's network. Machines where the firewall cannot be programmed still work.
    """
    host = host or docker_host()
    if os.geteuid() != 0:
        raise DockerEngineError(
            f"no Docker engine answers at {host}, and starting one needs root: start dockerd "
            "or set DOCKER_HOST to an engine that runs"
        )
    if shutil.which("dockerd") is None:
        _install_docker()
    layout = daemon_layout(host)
    layout.log_file.parent.mkdir(parents=True, exist_ok=True)
    with layout.log_file.open("ab") as log:
        proc = subprocess.Popen(
            ["dockerd", "--iptables=false", f"--host={host}", *layout.args],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = layout.log_file.read_text(errors="replace")[-3000:]
            raise DockerEngineError(f"dockerd exited with {proc.returncode}:\n{tail}")
        if engine_answers(host):
            return proc.pid
        time.sleep(0.5)
    proc.terminate()
    raise DockerEngineError(f"dockerd on {host} did not answer within {timeout:.0f}s")


def ensure_engine(host: str | None = None) -> int | None:
    """An engine answers at ``host`` afterwards; returns the pid when this call started it."""
    host = host or docker_host()
    if engine_answers(host):
        return None
    return start_engine(host)


def stop_engine(host: str | None = None, timeout: float = 60.0) -> bool:
    """Stop the daemon of ``host``'s socket by its pid file (SIGTERM: it stops its containers
    first). Returns False when none was running."""
    layout = daemon_layout(host or docker_host())
    try:
        pid = int(layout.pid_file.read_text().strip())
    except (FileNotFoundError, ValueError):
        return False
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return False
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.2)
    raise DockerEngineError(f"dockerd (pid {pid}) did not stop within {timeout:.0f}s")


COMPOSE_MODULE = "github.com/docker/compose/v2/cmd"
COMPOSE_VERSION = "v2.29.7"


def compose_command() -> list[str]:
    """How to run Docker Compose v2 here: the ``docker compose`` plugin when the CLI has it,
    else a ``docker-compose`` v2 on PATH, else one built once from its Go module (Debian's
    Docker has no Compose v2; the Go module proxy does) and kept in the cache. The binary works
    on its own, with ``DOCKER_HOST``, or as ``~/.docker/cli-plugins/docker-compose``."""
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True, text=True)
        if probe.returncode == 0 and "v2." in probe.stdout:
            return ["docker", "compose"]
    on_path = shutil.which("docker-compose")
    if on_path:
        probe = subprocess.run([on_path, "version"], capture_output=True, text=True)
        if "v2." in probe.stdout:
            return [on_path]
    binary = cache_dir() / "docker" / f"compose-{COMPOSE_VERSION}" / "docker-compose"
    if not binary.exists():
        go = shutil.which("go") or (
            "/usr/local/go/bin/go" if Path("/usr/local/go").exists() else None
        )
        if go is None:
            raise DockerEngineError(
                "Docker Compose v2 is missing and Go is not installed to build it: install Go "
                f"1.22 or later, or put Compose {COMPOSE_VERSION} in ~/.docker/cli-plugins"
            )
        gobin = binary.parent / "gobin"
        env = {**os.environ, "GOBIN": str(gobin), "CGO_ENABLED": "0"}
        result = subprocess.run(
            [go, "install", f"{COMPOSE_MODULE}@{COMPOSE_VERSION}"],
            env=env,
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise DockerEngineError(f"building Docker Compose failed:\n{result.stderr[-3000:]}")
        (gobin / "cmd").rename(binary)
        shutil.rmtree(gobin, ignore_errors=True)
    return [str(binary)]
