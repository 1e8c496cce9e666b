"""One connection attempt before a command starts its Kafka clients, so that a wrong password or
an untrusted certificate ends the command at once with a sentence that says so.

Without it, kafka-python and aiokafka log the broker's refusal and keep retrying until their
bootstrap deadline (30 s or more), then report only "Unable to bootstrap". Authentication and
TLS failures do not heal by waiting; an unreachable broker may (it can still be starting), so
that case is left to the clients' own retries.
"""

from __future__ import annotations

import asyncio
import ssl

from coopwire_core.settings import Settings, kafka_ssl_context


class KafkaSecurityError(RuntimeError):
    """The broker answered but refused our credentials or our TLS handshake."""


def _describe_user(settings: Settings) -> str:
    if not settings.kafka_security_protocol.startswith("SASL_"):
        return "TLS"
    return f"user {settings.kafka_sasl_username!r} (SASL {settings.sasl_mechanism})"


async def _probe(settings: Settings, host: str, port: int, timeout: float) -> None:
    from aiokafka.conn import create_conn

    conn = await asyncio.wait_for(
        create_conn(
            host,
            port,
            client_id=f"{settings.app_id}-preflight",
            request_timeout_ms=int(timeout * 1000),
            ssl_context=kafka_ssl_context(settings),
            security_protocol=settings.kafka_security_protocol,
            sasl_mechanism=settings.sasl_mechanism,
            sasl_plain_username=settings.kafka_sasl_username,
            sasl_plain_password=(
                settings.kafka_sasl_password.get_secret_value()
                if settings.kafka_sasl_password
                else None
            ),
        ),
        timeout,
    )
    conn.close()


def _security_failure(exc: BaseException) -> str | None:
    """A sentence when ``exc`` (or its cause) is an authentication or TLS refusal."""
    seen: BaseException | None = exc
    while seen is not None:
        name = type(seen).__name__
        if "Authentication" in name or "SaslAuth" in name:
            return f"authentication failed: {seen}"
        if isinstance(seen, ssl.SSLCertVerificationError):
            return f"TLS certificate not trusted: {seen.verify_message}"
        if isinstance(seen, ssl.SSLError):
            return f"TLS handshake failed: {seen}"
        seen = seen.__cause__ or seen.__context__
    return None


def check_kafka_security(settings: Settings, timeout: float = 10.0) -> None:
    """Raise ``KafkaSecurityError`` when the brokers refuse our credentials or TLS handshake.
    Returns quietly on success, on plaintext without SASL, and when no broker answers."""
    if settings.kafka_security_protocol == "PLAINTEXT":
        return
    if settings.uses_tls:
        files = {
            "COOPWIRE_KAFKA_SSL_CAFILE": settings.kafka_ssl_cafile,
            "COOPWIRE_KAFKA_SSL_CERTFILE": settings.kafka_ssl_certfile,
            "COOPWIRE_KAFKA_SSL_KEYFILE": settings.kafka_ssl_keyfile,
        }
        missing = [f"{name}={path}" for name, path in files.items() if path and not path.is_file()]
        if missing:
            raise KafkaSecurityError(f"TLS files not found: {', '.join(missing)}")
    failures: list[str] = []
    for server in settings.kafka_bootstrap_servers.split(","):
        host, _, port = server.strip().rpartition(":")
        try:
            asyncio.run(_probe(settings, host, int(port), timeout))
            return
        except Exception as exc:
            reason = _security_failure(exc)
            if reason is not None:  # unreachable or slow is left to the clients' retries
                failures.append(f"{server.strip()}: {reason}")
    if not failures:
        return
    raise KafkaSecurityError(
        f"Kafka refused {_describe_user(settings)} over {settings.kafka_security_protocol}; "
        + "; ".join(failures)
    )
