"""Configured secrets are masked in every log record, including those libraries write with the
whole client configuration in them (kafka-python does, at debug level)."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys

from pydantic import SecretStr

from coopwire.log_redaction import install_secret_redaction, secrets_of
from coopwire_core.settings import Settings


def test_secrets_are_masked_in_library_log_records() -> None:
    settings = Settings(
        kafka_security_protocol="SASL_SSL",
        kafka_sasl_username="svc",
        kafka_sasl_password=SecretStr("kafka-Pw-7f3a9"),
        sink_url="postgresql://coopwire:db-Pw-51c2@db:5432/coopwire",
    )
    assert secrets_of(settings) == {"kafka-Pw-7f3a9", "db-Pw-51c2"}
    install_secret_redaction(settings)

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("kafka.test-redaction")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        # The shape kafka-python uses: the client configuration as a %-argument.
        logger.debug(
            "Starting client with configuration %s", {"sasl_plain_password": "kafka-Pw-7f3a9"}
        )
        logger.warning("cannot connect to %s", "postgresql://coopwire:db-Pw-51c2@db/coopwire")
        logger.info("nothing secret in %d words", 5)
    finally:
        logger.removeHandler(handler)
    out = stream.getvalue()
    assert "kafka-Pw-7f3a9" not in out and "db-Pw-51c2" not in out
    assert "'sasl_plain_password': '****'" in out
    assert "coopwire:****@db" in out
    assert "nothing secret in 5 words" in out


def test_a_crash_report_does_not_print_the_password() -> None:
    """Typer's rich tracebacks show every frame's local variables by default, and the Kafka
    client options (a local of several frames) hold the password. A bootstrap address without a
    port number crashes kafka-python's producer constructor, whose locals hold them."""
    env = {
        **os.environ,
        "COOPWIRE_KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:notaport",
        "COOPWIRE_KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
        "COOPWIRE_KAFKA_SASL_USERNAME": "svc",
        "COOPWIRE_KAFKA_SASL_PASSWORD": "crash-Pw-93be1",
    }
    result = subprocess.run(
        [sys.executable, "-m", "coopwire.cli", "produce", "-"],
        input="",
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "ValueError" in result.stderr  # it did crash where expected
    assert "crash-Pw-93be1" not in result.stdout + result.stderr
