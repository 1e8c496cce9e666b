"""The Compose stack, built and run: deploy/docker-compose.yml with the images made here.

One test, in order: a Docker engine (``DOCKER_HOST``; else the default socket's; else one
started, and installed as root, on a private socket, so other programs never see a daemon
appear on the default socket); the four images (``coopwire.docker_images``, no registry, no
index); ``docker compose up`` with two workers; every sample article in PostgreSQL exactly
once; ``/health`` and ``/metrics`` from a worker container; the containers' users, read-only
roots and health checks; a worker killed with SIGKILL while articles arrive, the other taking
over its partitions with nothing lost; the last worker stopped with SIGTERM in the middle of a
batch (its drain timed), its articles finished by the restarted first one; ``docker compose
down -v``. No skip: when Docker cannot start, the test fails and says why. Timings are printed and
written to ``.coopwire/compose-stack.json``.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from coopwire.docker_engine import (
    client,
    compose_command,
    engine_for_tests,
    ensure_engine,
    stop_engine,
)
from coopwire.docker_images import LocalImages, build_images

REPO = Path(__file__).resolve().parent.parent
COMPOSE_FILE = REPO / "deploy" / "docker-compose.yml"
SAMPLES = REPO / "samples" / "articles.jsonl"
TIMINGS = REPO / ".coopwire" / "compose-stack.json"
LONG_RUNNING = ("kafka", "postgres", "worker")


def say(message: str) -> None:
    print(f"[compose-stack] {message}", flush=True)


def wait_for(check: Callable[[], object], what: str, timeout: float, every: float = 2.0) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(every)
    raise AssertionError(f"{what}: not within {timeout:.0f}s")


class Stack:
    """One Compose project of deploy/docker-compose.yml, under a name of its own."""

    def __init__(self, compose: list[str], env: dict[str, str], project: str) -> None:
        self.compose = [*compose, "-f", str(COMPOSE_FILE), "-p", project]
        self.env = env
        self.project = project
        self.docker = client(env["DOCKER_HOST"])

    def run(self, *args: str, stdin: str | None = None, timeout: float = 900) -> str:
        result = subprocess.run(
            [*self.compose, *args],
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert result.returncode == 0, (
            f"docker compose {' '.join(args)} failed ({result.returncode}):\n"
            f"{result.stdout[-2000:]}\n{result.stderr[-3000:]}"
        )
        return result.stdout

    def containers(self, service: str | None = None) -> list:  # type: ignore[type-arg]
        labels = [f"com.docker.compose.project={self.project}"]
        if service:
            labels.append(f"com.docker.compose.service={service}")
        found = self.docker.containers.list(all=True, filters={"label": labels})
        return sorted(found, key=lambda c: c.name)

    def exec(self, container, *command: str, user: str | None = None) -> tuple[int, str]:  # type: ignore[no-untyped-def]
        kwargs = {"user": user} if user else {}
        code, output = container.exec_run(list(command), **kwargs)
        return code, output.decode(errors="replace")

    def article_ids(self) -> list[str]:
        (postgres,) = self.containers("postgres")
        code, out = self.exec(
            postgres, "psql", "-U", "coopwire", "-d", "coopwire", "-At", "-c",
            "SELECT id FROM articles",
        )  # fmt: skip
        if code != 0:  # the table appears with the first worker
            return []
        return out.split()

    def worker_get(self, worker, path: str) -> tuple[int, str]:  # type: ignore[no-untyped-def]
        code, out = self.exec(
            worker,
            "python",
            "-c",
            "import sys, urllib.request, urllib.error\n"
            "try:\n"
            f"    r = urllib.request.urlopen('http://127.0.0.1:6066{path}', timeout=10)\n"
            "    print(r.status); print(r.read().decode())\n"
            "except urllib.error.HTTPError as e:\n"
            "    print(e.code); print(e.read().decode())\n",
        )
        assert code == 0, out
        status, _, body = out.partition("\n")
        return int(status), body

    def raw_partitions(self, worker) -> set[str]:  # type: ignore[no-untyped-def]
        """Partitions of articles.raw the worker holds (its lag gauge has one per partition)."""
        status, metrics = self.worker_get(worker, "/metrics")
        assert status == 200
        held = set()
        for labels in re.findall(r"^coopwire_consumer_lag\{([^}]*)\}", metrics, re.M):
            pairs = dict(re.findall(r'(\w+)="([^"]*)"', labels))
            if pairs.get("topic") == "articles.raw":
                held.add(pairs["partition"])
        return held

    def logs(self) -> str:
        with contextlib.suppress(Exception):
            return self.run("logs", "--no-color", "--tail", "80", timeout=120)
        return ""


def articles(prefix: str, count: int) -> list[dict]:  # type: ignore[type-arg]
    """``count`` real sample articles under new ids (new rows, same enrichment work)."""
    samples = [json.loads(line) for line in SAMPLES.read_text().splitlines() if line.strip()]
    out = []
    for i in range(count):
        article = dict(samples[i % len(samples)])
        article["id"] = f"{prefix}-{i:03d}-{article['id']}"
        article.pop("url", None)
        out.append(article)
    return out


def produce(stack: Stack, batch: list[dict]) -> None:  # type: ignore[type-arg]
    """Send through the producer service's image, from stdin (a one-shot container)."""
    lines = "".join(json.dumps(article) + "\n" for article in batch)
    stack.run("run", "--rm", "--no-deps", "-T", "producer", "produce", "-", stdin=lines)


def wait_rows(stack: Stack, ids: set[str], what: str, timeout: float = 240) -> float:
    started = time.monotonic()

    def all_there() -> bool:
        return ids <= set(stack.article_ids())

    wait_for(all_there, what, timeout)
    return time.monotonic() - started


@contextlib.contextmanager
def engine() -> Iterator[str]:
    """A Docker engine for the test (``DOCKER_HOST``, else one answering on the default socket,
    else one started on a private socket); stopped afterwards only if started here."""
    host = engine_for_tests()
    started = ensure_engine(host)  # DockerEngineError says why it cannot start: the test fails
    say(f"Docker engine at {host}" + (f" started (pid {started})" if started else " answers"))
    try:
        yield host
    finally:
        if started:
            stop_engine(host)


@pytest.mark.timeout(2400)
def test_compose_stack_runs_the_pipeline_and_survives_a_killed_worker() -> None:
    timings: dict[str, object] = {}
    with engine() as host:
        started = time.monotonic()
        report = build_images(progress=say, host=host)
        timings["images_s"] = round(time.monotonic() - started, 1)
        timings["images"] = {
            image.name: {"how": image.how, "s": round(image.seconds, 1), "mb": image.size_mb}
            for image in report
        }
        started = time.monotonic()
        compose = compose_command()
        timings["compose_binary_s"] = round(time.monotonic() - started, 1)

        project = f"coopwire-test-{uuid.uuid4().hex[:6]}"
        env = {**os.environ, **LocalImages().compose_env(), "DOCKER_HOST": host}
        stack = Stack(compose, env, project)
        try:
            run_stack_checks(stack, timings)
        except BaseException:
            say("stack logs:\n" + stack.logs())
            raise
        finally:
            stack.run("down", "-v", "--remove-orphans", "--timeout", "30")
            assert stack.containers() == []
            stack.docker.close()
    TIMINGS.parent.mkdir(exist_ok=True)
    TIMINGS.write_text(json.dumps(timings, indent=2) + "\n")
    say(f"timings: {json.dumps(timings)}")


def run_stack_checks(stack: Stack, timings: dict[str, object]) -> None:
    sample_ids = {
        json.loads(line)["id"] for line in SAMPLES.read_text().splitlines() if line.strip()
    }

    # --- up, healthy, samples stored once -------------------------------------------------
    started = time.monotonic()
    stack.run("up", "--detach", "--no-build", "--scale", "worker=2")

    def healthy() -> bool:
        containers = stack.containers()
        for container in containers:
            service = container.labels["com.docker.compose.service"]
            state = container.attrs["State"]
            if service in LONG_RUNNING:
                assert state["Status"] == "running", f"{container.name}: {state}"
                if state.get("Health", {}).get("Status") != "healthy":
                    return False
            else:  # one-shot jobs: topics, producer
                if state["Status"] == "exited":
                    assert state["ExitCode"] == 0, f"{container.name} exited {state['ExitCode']}"
                else:
                    return False
        services = {c.labels["com.docker.compose.service"] for c in containers}
        return services == {"kafka", "topics", "postgres", "worker", "producer"}

    wait_for(healthy, "every service healthy, topics and producer done", 420, every=3)
    timings["stack_up_healthy_s"] = round(time.monotonic() - started, 1)
    timings["samples_stored_s"] = round(
        wait_rows(stack, sample_ids, "the sample articles in PostgreSQL")
        + float(timings["stack_up_healthy_s"]),  # type: ignore[arg-type]
        1,
    )
    stored = stack.article_ids()
    assert sorted(stored) == sorted(sample_ids), "every sample exactly once, nothing else"

    workers = stack.containers("worker")
    assert len(workers) == 2
    status, body = stack.worker_get(workers[0], "/health")
    assert status == 200 and json.loads(body) == {
        "status": "ok",
        "broker": "ok",
        "sink": "ok",
        "commit": "ok",
    }
    enriched = 0.0
    for worker in workers:
        status, metrics = stack.worker_get(worker, "/metrics")
        assert status == 200
        enriched += sum(
            float(v)
            for v in re.findall(r"^coopwire_articles_enriched_total\{[^}]*\} (\S+)", metrics, re.M)
        )
    assert enriched >= len(sample_ids), "the workers' counters agree with the sink"

    check_hygiene(stack)

    # --- SIGKILL: the other worker takes over ---------------------------------------------
    killed, survivor = workers
    before = stack.raw_partitions(survivor)
    assert 0 < len(before) < 4, f"two workers share the 4 partitions: {before}"
    batch = articles("takeover", 60)
    produce(stack, batch)
    killed.kill(signal="SIGKILL")
    killed_at = time.monotonic()
    timings["takeover_all_stored_s"] = round(
        wait_rows(stack, {a["id"] for a in batch}, "articles of the killed worker's partitions"),
        1,
    )
    killed.reload()
    assert killed.attrs["State"]["Status"] == "exited", "the killed worker stayed down"
    assert killed.attrs["State"]["ExitCode"] == 137
    wait_for(
        lambda: stack.raw_partitions(survivor) == {"0", "1", "2", "3"},
        "the survivor holding all 4 partitions",
        120,
    )
    timings["takeover_partitions_s"] = round(time.monotonic() - killed_at, 1)
    stored = stack.article_ids()
    assert len(stored) == len(set(stored)) == len(sample_ids) + len(batch)

    # --- SIGTERM: a graceful drain, timed; the restarted worker finishes the rest ----------
    drain = articles("drain", 60)
    produce(stack, drain)
    time.sleep(1.0)  # the survivor is mid-batch
    stop_started = time.monotonic()
    survivor.stop(timeout=30)
    timings["sigterm_drain_s"] = round(time.monotonic() - stop_started, 1)
    survivor.reload()
    assert survivor.attrs["State"]["ExitCode"] == 0, (
        f"graceful stop exits 0, not {survivor.attrs['State']['ExitCode']}:\n"
        + survivor.logs(tail=40).decode(errors="replace")
    )
    killed.start()
    timings["restart_finishes_drain_s"] = round(
        wait_rows(stack, {a["id"] for a in drain}, "articles left by the stopped worker"), 1
    )
    stored = stack.article_ids()
    assert len(stored) == len(set(stored)) == len(sample_ids) + len(batch) + len(drain)


def check_hygiene(stack: Stack) -> None:
    """Checked on the running containers, not read from the files."""
    for container in stack.containers():
        service = container.labels["com.docker.compose.service"]
        user = container.attrs["Config"]["User"]
        assert user and user.split(":")[0] not in ("root", "0"), (container.name, user)
        if service not in LONG_RUNNING:
            continue
        assert container.attrs["Config"].get("Healthcheck", {}).get("Test"), container.name
        code, status = stack.exec(container, "cat", "/proc/1/status")
        uid = re.search(r"^Uid:\s+(\d+)", status, re.M)
        assert code == 0 and uid and uid.group(1) != "0", (container.name, status[:200])
    for service in ("worker", "postgres"):
        for container in stack.containers(service):
            assert container.attrs["HostConfig"]["ReadonlyRootfs"] is True, container.name
            code, out = stack.exec(container, "touch", "/written-by-the-test")
            assert code != 0 and "Read-only file system" in out, (container.name, out)
    (kafka,) = stack.containers("kafka")
    code, out = stack.exec(kafka, "id", "-un")
    assert out.strip() == "appuser", "the Kafka image's own user"
    (postgres,) = stack.containers("postgres")
    code, out = stack.exec(postgres, "id", "-un")
    assert out.strip() == "postgres", "the PostgreSQL image's own user"
