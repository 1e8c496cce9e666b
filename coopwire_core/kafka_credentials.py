"""How the Faust worker authenticates to Kafka: the same settings, and the same TLS policy
(``kafka_ssl_context``), as the kafka-python producer and consumer, turned into Faust's
``broker`` URL and ``broker_credentials``.

Faust hands these to aiokafka, which supports PLAIN and SCRAM-SHA-256/512 over SASL_PLAINTEXT
or SASL_SSL, and plain TLS (with or without a client certificate).
"""

from __future__ import annotations

from typing import Any

import faust

from coopwire_core.settings import Settings, kafka_ssl_context


def faust_broker_options(settings: Settings) -> dict[str, Any]:
    """``broker`` and, when security is on, ``broker_credentials`` for ``faust.App``."""
    servers = ";".join(f"kafka://{s.strip()}" for s in settings.kafka_bootstrap_servers.split(","))
    options: dict[str, Any] = {"broker": servers}
    protocol = settings.kafka_security_protocol
    if protocol == "PLAINTEXT":
        return options
    ssl_context = kafka_ssl_context(settings)
    if protocol.startswith("SASL_"):
        options["broker_credentials"] = faust.SASLCredentials(
            username=settings.kafka_sasl_username or "",
            password=(
                settings.kafka_sasl_password.get_secret_value()
                if settings.kafka_sasl_password
                else ""
            ),
            mechanism=settings.sasl_mechanism,
            ssl_context=ssl_context,
        )
    elif ssl_context is not None:
        options["broker_credentials"] = faust.SSLCredentials(ssl_context)
    return options
