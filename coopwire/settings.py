"""The one place configuration is read: environment variables (prefix ``COOPWIRE_``) and an
optional ``.env``-style file named by ``COOPWIRE_ENV_FILE``. Every command and the worker take
a ``Settings`` object instead of reading the environment themselves."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from schemas.topics import TopicName


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="COOPWIRE_",
        env_file=os.environ.get("COOPWIRE_ENV_FILE"),
        extra="ignore",
    )

    # Kafka
    kafka_bootstrap_servers: str = Field(
        default="127.0.0.1:9092",
        validation_alias=AliasChoices(
            "COOPWIRE_KAFKA_BOOTSTRAP_SERVERS", "KAFKA_BOOTSTRAP_SERVERS"
        ),
    )
    kafka_security_protocol: str = "PLAINTEXT"
    kafka_sasl_mechanism: str | None = None
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    kafka_ssl_cafile: Path | None = None
    kafka_ssl_certfile: Path | None = None
    kafka_ssl_keyfile: Path | None = None

    topic_raw: str = TopicName.RAW.value
    topic_enriched: str = TopicName.ENRICHED.value
    topic_dlq: str = TopicName.DLQ.value
    topic_events: str = TopicName.COOPERATION_EVENTS.value
    topic_partitions: int = Field(default=4, ge=1)
    topic_replication_factor: int = Field(default=1, ge=1)

    # Worker
    app_id: str = "coopwire"
    worker_batch_size: int = Field(default=16, ge=1)
    worker_batch_within_s: float = Field(default=0.2, gt=0)
    worker_session_timeout_s: float = Field(
        default=30.0, ge=6, description="How soon the group notices a dead worker"
    )
    max_message_bytes: int = Field(default=1_000_000, ge=1024)
    web_host: str = "127.0.0.1"
    web_port: int = 6066
    data_dir: Path = Path(".coopwire")
    log_level: str = "info"

    # Sink
    sink_url: str = "sqlite:///coopwire.db"
    sink_retry_max_s: float = Field(default=30.0, gt=0, description="Backoff ceiling")
    sink_connect_timeout_s: float = Field(default=5.0, gt=0, description="Per connection try")

    # Enrichment
    language_max_chars: int = Field(default=2000, ge=100)

    # Feeds (`coopwire produce --feed`)
    feed_state_path: Path | None = Field(
        default=None, description="Which feed items were sent; default <data_dir>/feeds.sqlite3"
    )
    feed_timeout_s: float = Field(default=20.0, gt=0, description="Per feed or page request")
    feed_user_agent: str = "coopwire-feed-reader/0.1"

    def redacted(self) -> dict[str, object]:
        """Effective configuration with secrets masked, for printing and logs."""
        data = self.model_dump(mode="json")
        for key, value in list(data.items()):
            if isinstance(getattr(self, key), SecretStr) and value:
                data[key] = "**********"
        data["sink_url"] = redact_url(self.sink_url)
        return data


def redact_url(url: str) -> str:
    """Mask the password of a ``scheme://user:password@host/...`` URL."""
    if "@" not in url or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    creds, host = rest.rsplit("@", 1)
    return f"{scheme}://{creds.split(':', 1)[0]}:****@{host}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def kafka_python_options(settings: Settings) -> dict[str, object]:
    """Connection options shared by every kafka-python client (producer, consumer, admin)."""
    options: dict[str, object] = {
        "bootstrap_servers": settings.kafka_bootstrap_servers.split(","),
        "security_protocol": settings.kafka_security_protocol,
    }
    if settings.kafka_sasl_mechanism:
        options["sasl_mechanism"] = settings.kafka_sasl_mechanism
        options["sasl_plain_username"] = settings.kafka_sasl_username
        options["sasl_plain_password"] = (
            settings.kafka_sasl_password.get_secret_value()
            if settings.kafka_sasl_password
            else None
        )
    if settings.kafka_ssl_cafile:
        options["ssl_cafile"] = str(settings.kafka_ssl_cafile)
    if settings.kafka_ssl_certfile:
        options["ssl_certfile"] = str(settings.kafka_ssl_certfile)
    if settings.kafka_ssl_keyfile:
        options["ssl_keyfile"] = str(settings.kafka_ssl_keyfile)
    return options
