"""Kafka over SASL_SSL, on a real broker: the whole pipeline authenticates (SCRAM and PLAIN over
TLS), a wrong password or an untrusted CA fails at once with the reason, and the password is
never printed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from coopwire.broker import free_port
from coopwire_core.settings import Settings
from tests.conftest import SAMPLES, settings_env
from tests.kafka_helpers import wait_for
from tests.secure_broker import SecureBroker, start_secure_broker

pytestmark = pytest.mark.integration

SAMPLE_IDS = [json.loads(line)["id"] for line in SAMPLES.read_text().splitlines() if line.strip()]


@pytest.fixture(scope="module")
def secure_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecureBroker]:
    secure = start_secure_broker(tmp_path_factory.mktemp("secure-kafka"))
    try:
        yield secure
    finally:
        secure.broker.stop()


def coopwire(settings: Settings, *args: str, timeout: float) -> subprocess.CompletedProcess[str]:
    """Run a ``coopwire`` command configured only through the environment, as deployed."""
    return subprocess.run(
        [sys.executable, "-m", "coopwire.cli", *args],
        env={**os.environ, **settings_env(settings), "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def health(port: int) -> tuple[int, str]:
    """Status and body of the worker's /health (0 while its web server is not up)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=15) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
    except OSError as exc:
        return 0, str(exc)


def test_pipeline_runs_over_sasl_ssl_with_scram_and_plain(
    secure_broker: SecureBroker, settings: Settings, start_worker, tmp_path: Path
) -> None:
    producer = secure_broker.client_settings(settings, "SCRAM-SHA-256")
    worker_settings = secure_broker.client_settings(settings, "SCRAM-SHA-512")
    consumer = secure_broker.client_settings(settings, "PLAIN")

    port = free_port()
    worker = start_worker(
        web_port=port,
        log_level="debug",  # even the most verbose log must not show the password
        **{
            key: getattr(worker_settings, key)
            for key in Settings.model_fields
            if key.startswith("kafka_")
        },
    )
    produced = coopwire(producer, "produce", str(SAMPLES), timeout=120)
    assert produced.returncode == 0, produced.stderr
    assert f"sent {len(SAMPLE_IDS)}" in produced.stderr

    consumed = coopwire(
        consumer,
        "consume",
        settings.topic_enriched,
        "--max",
        str(len(SAMPLE_IDS)),
        "--timeout",
        "150",
        timeout=240,
    )
    worker.assert_alive()
    assert consumed.returncode == 0, consumed.stderr + worker.log()[-3000:]
    values = [json.loads(line)["value"] for line in consumed.stdout.splitlines()]
    assert sorted(v["id"] for v in values) == sorted(SAMPLE_IDS)
    assert {v["language"]["code"] for v in values} >= {"fr", "nl", "en"}

    # The worker's health probe authenticates too (SCRAM-SHA-512 over TLS).
    last: list[tuple[int, str]] = []
    try:
        wait_for(lambda: last.append(health(port)) or last[-1][0] == 200, 60, "/health 200")
    except TimeoutError as exc:
        raise AssertionError(f"/health over SASL_SSL: {last[-1:]}\n{worker.log()[-2000:]}") from exc

    # No password in the worker's log, nor in what `coopwire config` prints.
    password = worker_settings.kafka_sasl_password.get_secret_value()
    assert password not in worker.log()
    for args in (["config"], ["config", "--json"]):
        shown = coopwire(worker_settings, *args, timeout=60)
        assert shown.returncode == 0, shown.stderr
        assert password not in shown.stdout + shown.stderr
        assert "**********" in shown.stdout
    as_json = json.loads(coopwire(worker_settings, "config", "--json", timeout=60).stdout)
    assert as_json["kafka_sasl_mechanism"] == "SCRAM-SHA-512"
    assert as_json["kafka_security_protocol"] == "SASL_SSL"


@pytest.mark.parametrize("mechanism", ["PLAIN", "SCRAM-SHA-512"])
def test_wrong_password_fails_fast_with_the_reason(
    secure_broker: SecureBroker, settings: Settings, mechanism: str
) -> None:
    wrong = secure_broker.client_settings(settings, mechanism, password="not-the-password")
    for args in (
        ["produce", str(SAMPLES)],
        ["consume", settings.topic_raw, "--timeout", "60"],
        ["worker"],
    ):
        started = time.monotonic()
        result = coopwire(wrong, *args, timeout=90)
        took = time.monotonic() - started
        assert result.returncode == 3, (args, result.returncode, result.stderr[-2000:])
        assert "authentication failed" in result.stderr.lower(), result.stderr[-2000:]
        assert "not-the-password" not in result.stdout + result.stderr
        assert took < 60, (args, took)


def test_untrusted_certificate_is_named(secure_broker: SecureBroker, settings: Settings) -> None:
    no_ca = secure_broker.client_settings(settings, "PLAIN").model_copy(
        update={"kafka_ssl_cafile": None}
    )
    result = coopwire(no_ca, "consume", settings.topic_raw, "--timeout", "30", timeout=90)
    assert result.returncode == 3, result.stderr[-2000:]
    assert "certificate not trusted" in result.stderr, result.stderr[-2000:]
