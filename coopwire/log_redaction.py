"""Keep configured secrets out of every log line, whoever writes it.

Our own code never logs a password, but libraries do: kafka-python prints its whole client
configuration, SASL password included, at debug level. Rather than trust every library at every
level, each log record is rendered once when it is created and any configured secret in it is
replaced by ``****`` before a handler sees it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from urllib.parse import unquote, urlsplit

from pydantic import SecretStr

from coopwire_core.settings import Settings

MASK = "****"
_installed: dict[str, object] = {}


def secrets_of(settings: Settings) -> set[str]:
    """Every secret value in ``settings``: SecretStr fields and a password in the sink URL."""
    found = set()
    for name in Settings.model_fields:
        value = getattr(settings, name)
        if isinstance(value, SecretStr) and value.get_secret_value():
            found.add(value.get_secret_value())
    password = urlsplit(settings.sink_url).password
    if password:
        found.update({password, unquote(password)})
    return {secret for secret in found if len(secret) >= 3}


def redact(text: str, secrets: Iterable[str]) -> str:
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


def install_secret_redaction(settings: Settings) -> None:
    """Mask ``settings``' secrets in every log record created from now on (idempotent)."""
    secrets = secrets_of(settings)
    if not secrets:
        return
    if "factory" in _installed:
        _installed["secrets"].update(secrets)  # type: ignore[attr-defined]
        return
    previous = logging.getLogRecordFactory()
    known: set[str] = set(secrets)

    def factory(*args: object, **kwargs: object) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is the handler's problem, as before
            return record
        if any(secret in message for secret in known):
            record.msg, record.args = redact(message, known), None
        return record

    logging.setLogRecordFactory(factory)
    _installed.update(factory=factory, secrets=known)
