"""``coopwire deploy``: the Docker engine, Compose and the images of an air-gapped deployment.

Kept apart from ``coopwire.cli`` so the command line stays a list of thin commands; the work
lives in ``coopwire.docker_engine`` and ``coopwire.docker_images``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

deploy_app = typer.Typer(
    help="Docker deployment: engine, Compose, images built without a registry.",
    no_args_is_help=True,
)
err = Console(stderr=True)


@deploy_app.command("engine")
def engine(
    stop: Annotated[bool, typer.Option("--stop", help="Stop the engine of DOCKER_HOST.")] = False,
    check: Annotated[
        bool, typer.Option("--check", help="Only say whether one answers (exit code 1: no).")
    ] = False,
) -> None:
    """Make sure a Docker engine answers at DOCKER_HOST (default socket when unset): as root,
    install Debian's docker.io when missing and start dockerd on that socket."""
    from coopwire.docker_engine import (
        DockerEngineError,
        docker_host,
        engine_answers,
        ensure_engine,
        stop_engine,
    )

    host = docker_host()
    if check:
        answers = engine_answers(host)
        err.print(f"Docker engine at {host} {'answers' if answers else 'does not answer'}")
        raise typer.Exit(0 if answers else 1)
    try:
        if stop:
            stopped = stop_engine(host)
            err.print(f"Docker engine at {host} {'stopped' if stopped else 'was not running'}")
            return
        pid = ensure_engine(host)
    except DockerEngineError as exc:
        err.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from None
    err.print(f"Docker engine at {host}" + (f" started (pid {pid})" if pid else " answers"))


@deploy_app.command("compose")
def compose() -> None:
    """Print how to run Docker Compose v2, building it once from its Go module when missing."""
    from coopwire.docker_engine import DockerEngineError, compose_command

    try:
        print(" ".join(compose_command()))
    except DockerEngineError as exc:
        err.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from None


@deploy_app.command("images")
def images(
    env_file: Annotated[
        Path, typer.Option(help="Where to write the Compose variables for the local images.")
    ] = Path("deploy/airgap.env"),
) -> None:
    """Build the Python base, Kafka, PostgreSQL and coopwire images without a registry or a
    package index (debootstrap, the cached Kafka jars, Debian's packages, a wheelhouse)."""
    from coopwire.docker_images import build_images, env_file_text, iter_lines

    report = build_images(progress=lambda line: err.print(line, soft_wrap=True))
    for line in iter_lines(report):
        print(line)
    env_file.write_text(env_file_text())
    err.print(
        f"wrote {env_file}; start the stack with:\n"
        f"  docker compose -f deploy/docker-compose.yml --env-file {env_file} up"
    )
