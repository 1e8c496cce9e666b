"""The one place configuration is read: environment variables (prefix ``COOPWIRE_``) and an
optional ``.env``-style file named by ``COOPWIRE_ENV_FILE``. Every command and the worker take
a ``Settings`` object instead of reading the environment themselves."""

from __future__ import annotations

import os
import re
import ssl
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    DotEnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from schemas.topics import TopicName

SecurityProtocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
SaslMechanism = Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COOPWIRE_", extra="ignore")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Arguments win over the environment, which wins over the ``COOPWIRE_ENV_FILE`` file.
        The file is looked up when settings are built, not when this module is imported."""
        env_file = os.environ.get("COOPWIRE_ENV_FILE")
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if env_file:
            if not Path(env_file).is_file():
                raise FileNotFoundError(f"COOPWIRE_ENV_FILE={env_file} does not exist")
            sources.append(DotEnvSettingsSource(settings_cls, env_file=env_file))
        return tuple(sources)

    # Kafka
    kafka_bootstrap_servers: str = Field(
        default="127.0.0.1:9092",
        validation_alias=AliasChoices(
            "COOPWIRE_KAFKA_BOOTSTRAP_SERVERS", "KAFKA_BOOTSTRAP_SERVERS"
        ),
    )
    kafka_security_protocol: SecurityProtocol = "PLAINTEXT"
    kafka_sasl_mechanism: SaslMechanism | None = None
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    kafka_ssl_cafile: Path | None = Field(default=None, description="CA bundle (PEM)")
    kafka_ssl_certfile: Path | None = Field(default=None, description="Client cert (mutual TLS)")
    kafka_ssl_keyfile: Path | None = None
    kafka_ssl_key_password: SecretStr | None = None
    kafka_ssl_check_hostname: bool = True

    topic_raw: str = TopicName.RAW.value
    topic_enriched: str = TopicName.ENRICHED.value
    topic_dlq: str = TopicName.DLQ.value
    topic_events: str = TopicName.COOPERATION_EVENTS.value
    topic_partitions: int = Field(default=4, ge=1)
    topic_replication_factor: int | None = Field(
        default=None, ge=1, description="Copies of each partition; unset: min(3, brokers)"
    )
    topic_min_insync_replicas: int | None = Field(
        default=None,
        ge=1,
        description="Copies an acks=all write needs; unset: 2 with 3+ copies, else the broker's",
    )

    # Worker
    app_id: str = "coopwire"
    # A batch closes when full or after this wait. Under load batches fill at once (nlp.pipe
    # wants them); at low rates a short wait keeps produce-to-enriched latency low.
    worker_batch_size: int = Field(default=16, ge=1)
    worker_batch_within_s: float = Field(default=0.05, gt=0)
    worker_session_timeout_s: float = Field(
        default=30.0, ge=6, description="How soon the group notices a dead worker"
    )
    max_message_bytes: int = Field(default=1_000_000, ge=1024)
    worker_producer_idempotence: bool = Field(
        default=True, description="Retried sends after a broker failure are not written twice"
    )
    # Enrichment runs in a child process, off the event loop; false runs it in the worker's
    # own process (one process to debug or profile, slower).
    worker_enrichment_process: bool = True
    web_host: str = "127.0.0.1"
    web_port: int = 6066
    data_dir: Path = Path(".coopwire")
    log_level: str = "info"

    # Sink
    sink_url: str = "sqlite:///coopwire.db"
    sink_retry_max_s: float = Field(default=30.0, gt=0, description="Backoff ceiling")
    sink_connect_timeout_s: float = Field(default=5.0, gt=0, description="Per connection try")

    # Health
    health_timeout_s: float = Field(default=5.0, gt=0, description="Per probe (broker, sink)")
    health_commit_stall_s: float = Field(
        default=30.0, gt=0, description="/health is 503 when records wait and none was committed"
    )

    # Producer
    producer_delivery_timeout_s: float = Field(
        default=120.0, gt=0, description="Give up on a message (and report it) after this long"
    )

    # Enrichment
    language_max_chars: int = Field(default=2000, ge=100)

    # Feeds (`coopwire produce --feed`)
    feed_state_path: Path | None = Field(
        default=None, description="Which feed items were sent; default <data_dir>/feeds.sqlite3"
    )
    feed_timeout_s: float = Field(default=20.0, gt=0, description="Per feed or page request")
    feed_user_agent: str = "coopwire-feed-reader/0.1"

    # Logs of the worker: text for people, json (one object per line) for log collectors
    log_format: Literal["text", "json"] = "text"

    @field_validator("kafka_security_protocol", "kafka_sasl_mechanism", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _security_is_consistent(self) -> Settings:
        """Refuse half-configured security at start-up rather than at the first connection."""
        sasl = self.kafka_security_protocol.startswith("SASL_")
        if sasl and not (self.kafka_sasl_username and self.kafka_sasl_password):
            raise ValueError(
                f"security protocol {self.kafka_security_protocol} needs "
                "COOPWIRE_KAFKA_SASL_USERNAME and COOPWIRE_KAFKA_SASL_PASSWORD"
            )
        if not sasl and self.kafka_sasl_mechanism:
            raise ValueError(
                f"COOPWIRE_KAFKA_SASL_MECHANISM={self.kafka_sasl_mechanism} needs "
                "COOPWIRE_KAFKA_SECURITY_PROTOCOL=SASL_SSL (or SASL_PLAINTEXT)"
            )
        if self.kafka_ssl_keyfile and not self.kafka_ssl_certfile:
            raise ValueError("COOPWIRE_KAFKA_SSL_KEYFILE needs COOPWIRE_KAFKA_SSL_CERTFILE")
        return self

    @property
    def sasl_mechanism(self) -> str:
        """The SASL mechanism in use (PLAIN when SASL is on and none was named)."""
        return self.kafka_sasl_mechanism or "PLAIN"

    @property
    def uses_tls(self) -> bool:
        return self.kafka_security_protocol in ("SSL", "SASL_SSL")

    def redacted(self) -> dict[str, object]:
        """Effective configuration with secrets masked, for printing and logs."""
        data = self.model_dump(mode="json")
        for key, value in list(data.items()):
            if isinstance(getattr(self, key), SecretStr) and value:
                data[key] = "**********"
        data["sink_url"] = redact_url(self.sink_url)
        return data


def redact_url(url: str) -> str:
    """Mask the password of a ``scheme://user:password@host/...`` URL, and a ``password=``
    query parameter (libpq accepts both)."""
    url = re.sub(r"([?&]password=)[^&]*", r"\1****", url, flags=re.IGNORECASE)
    if "@" not in url or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    creds, host = rest.rsplit("@", 1)
    return f"{scheme}://{creds.split(':', 1)[0]}:****@{host}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def kafka_ssl_context(settings: Settings) -> ssl.SSLContext | None:
    """The one TLS policy for every Kafka client (kafka-python and Faust's aiokafka alike):
    the system CAs or ``kafka_ssl_cafile``, hostname checks on unless turned off, and a client
    certificate when one is configured (mutual TLS). ``None`` when TLS is not in use."""
    if not settings.uses_tls:
        return None
    context = ssl.create_default_context(
        cafile=str(settings.kafka_ssl_cafile) if settings.kafka_ssl_cafile else None
    )
    context.check_hostname = settings.kafka_ssl_check_hostname
    if settings.kafka_ssl_certfile:
        context.load_cert_chain(
            str(settings.kafka_ssl_certfile),
            str(settings.kafka_ssl_keyfile) if settings.kafka_ssl_keyfile else None,
            password=(
                settings.kafka_ssl_key_password.get_secret_value()
                if settings.kafka_ssl_key_password
                else None
            ),
        )
    return context


def kafka_python_options(settings: Settings) -> dict[str, object]:
    """Connection options shared by every kafka-python client (producer, consumer, admin)."""
    options: dict[str, object] = {
        "bootstrap_servers": settings.kafka_bootstrap_servers.split(","),
        "security_protocol": settings.kafka_security_protocol,
    }
    if settings.kafka_security_protocol.startswith("SASL_"):
        options["sasl_mechanism"] = settings.sasl_mechanism
        options["sasl_plain_username"] = settings.kafka_sasl_username
        options["sasl_plain_password"] = (
            settings.kafka_sasl_password.get_secret_value()
            if settings.kafka_sasl_password
            else None
        )
    context = kafka_ssl_context(settings)
    if context is not None:
        options["ssl_context"] = context
        options["ssl_check_hostname"] = settings.kafka_ssl_check_hostname
    return options
