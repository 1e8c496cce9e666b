"""Configured secrets are masked in every log record, including those libraries write with the
whole client configuration in them (kafka-python does, at debug level)."""

from __future__ import annotations

import io
import logging

from pydantic import SecretStr

from coopwire.log_redaction import install_secret_redaction, secrets_of
from coopwire.settings import Settings


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
