"""The worker's producer is idempotent (Faust turns idempotence on only in transactions), and
can be told not to be."""

from __future__ import annotations

import asyncio

import faust

from coopwire_core.kafka_credentials import faust_broker_options
from coopwire_core.settings import Settings
from processors.kafka_transport import use_idempotent_producer


def aiokafka_producer_of(app: faust.App) -> object:
    """The aiokafka producer the app's Faust producer would start (built, never started)."""

    async def build() -> object:
        return app.producer._new_producer()

    return asyncio.run(build())


def plain_app() -> faust.App:
    settings = Settings(kafka_bootstrap_servers="127.0.0.1:1,127.0.0.1:2")
    return faust.App("coopwire-transport-test", **faust_broker_options(settings), producer_acks=-1)


def test_the_worker_producer_is_idempotent_with_acks_all() -> None:
    app = plain_app()
    use_idempotent_producer(app)
    producer = aiokafka_producer_of(app)
    assert producer._txn_manager is not None  # aiokafka's idempotence state
    assert producer.client._bootstrap_servers == ["127.0.0.1:1", "127.0.0.1:2"]
    assert producer._sender._acks == -1


def test_without_the_transport_faust_producer_is_not_idempotent() -> None:
    """What COOPWIRE_WORKER_PRODUCER_IDEMPOTENCE=false leaves: Faust's own producer."""
    assert aiokafka_producer_of(plain_app())._txn_manager is None


def test_idempotence_setting_defaults_on(monkeypatch) -> None:
    monkeypatch.delenv("COOPWIRE_WORKER_PRODUCER_IDEMPOTENCE", raising=False)
    assert Settings().worker_producer_idempotence is True
    monkeypatch.setenv("COOPWIRE_WORKER_PRODUCER_IDEMPOTENCE", "false")
    assert Settings().worker_producer_idempotence is False
