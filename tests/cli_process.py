"""Run the real ``coopwire`` command in a child process, as a user's shell would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

_SCRIPT = Path(sys.executable).with_name("coopwire")
COMMAND = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "coopwire.cli"]


def clean_env(**extra: str) -> dict[str, str]:
    """The test's environment without COOPWIRE_ settings (a developer's shell may set some)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COOPWIRE_")}
    env.pop("KAFKA_BOOTSTRAP_SERVERS", None)
    env.update(extra)
    return env


def run(
    *args: str, cwd: Path, input: bytes | None = None, timeout: float = 180, **env: str
) -> subprocess.CompletedProcess[str]:
    """``coopwire *args``; stdout and stderr captured as text (so stderr is not a terminal)."""
    result = subprocess.run(
        [*COMMAND, *args],
        cwd=cwd,
        input=input,
        capture_output=True,
        timeout=timeout,
        env=clean_env(**env),
        check=False,
    )
    return subprocess.CompletedProcess(
        result.args,
        result.returncode,
        result.stdout.decode("utf-8", errors="replace"),
        result.stderr.decode("utf-8", errors="replace"),
    )
