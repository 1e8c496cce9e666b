"""A throwaway PostgreSQL cluster for the tests, from the Debian packages' binaries.

``initdb`` refuses to run as root, so when the tests run as root the cluster lives in a
directory owned by the ``postgres`` user and every server command runs as that user. The
server listens on 127.0.0.1 only (no Unix socket) on a port chosen by the caller, so it can be
stopped and started again at the same address (outage tests).
"""

from __future__ import annotations

import glob
import os
import pwd
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import psycopg


def postgres_bindir() -> Path:
    """The newest ``/usr/lib/postgresql/<version>/bin`` (Debian), else ``initdb`` on PATH."""
    found = glob.glob("/usr/lib/postgresql/*/bin/initdb")
    if found:

        def version(path: str) -> tuple[int, ...]:
            match = re.search(r"/postgresql/([\d.]+)/bin/", path)
            return tuple(int(p) for p in match.group(1).split(".")) if match else (0,)

        return Path(max(found, key=version)).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise RuntimeError(
        "PostgreSQL server binaries not found: install the Debian package 'postgresql' "
        "(.ci/run does) or set COOPWIRE_TEST_POSTGRES_URL"
    )


class LocalPostgres:
    def __init__(self, port: int) -> None:
        self.port = port
        self.bindir = postgres_bindir()
        self.as_postgres = os.geteuid() == 0
        self.home = Path(tempfile.mkdtemp(prefix="coopwire-pg-"))
        self.data = self.home / "data"
        self.log_file = self.home / "server.log"
        if self.as_postgres:
            user = pwd.getpwnam("postgres")
            os.chown(self.home, user.pw_uid, user.pw_gid)

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def url_for(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str, timeout: float = 120) -> None:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, cwd=self.home
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}\n"
                f"{result.stderr}\n{self._log_tail()}"
            )

    def _log_tail(self) -> str:
        try:
            return self.log_file.read_text(errors="replace")[-2000:]
        except OSError:
            return ""

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"port = {self.port}\n"
                "listen_addresses = '127.0.0.1'\n"
                "unix_socket_directories = ''\n"
                "max_connections = 40\n"
                "shared_buffers = 32MB\n"
                # A throwaway cluster: durability across an OS crash is not what is tested.
                "fsync = off\n"
                "synchronous_commit = off\n"
                "full_page_writes = off\n"
            )

    def start(self) -> None:
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.log_file), "-w", "-t", "60", "start"
        )

    def stop(self) -> None:
        """Fast shutdown: open connections are terminated, as in a real outage."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop")

    def is_running(self) -> bool:
        try:
            with psycopg.connect(self.url, connect_timeout=2):
                return True
        except psycopg.OperationalError:
            return False

    def destroy(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.stop()
        shutil.rmtree(self.home, ignore_errors=True)


def create_database(server_url: str, name: str) -> str:
    """Create ``name`` on the server of ``server_url``; return the URL of the new database."""
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = server_url.rpartition("/")
    query = ""
    if "?" in server_url.rpartition("/")[2]:
        query = "?" + server_url.rpartition("/")[2].split("?", 1)[1]
    return f"{base}/{name}{query}"
