"""The worker's Kafka transport: Faust's own aiokafka transport with an idempotent producer.

Faust turns idempotence on only inside transactions (``processing_guarantee="exactly_once"``,
which coopwire avoids, see the README). Without it, a send that aiokafka retries after a broker
died, when that broker had already written the batch but its answer was lost, lands twice on
the topic. Faust has no setting for it; its documented extension point is the transport's
``Producer`` class, and the producer's ``_settings_extra`` is the hook Faust itself uses to add
idempotence for transactions. ``tests/test_kafka_transport.py`` builds the aiokafka producer
the worker would start and checks it is idempotent, so a Faust release that moves the hook
fails the tests instead of silently dropping idempotence (Faust is pinned below 0.16)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import faust
from faust.transport.drivers import aiokafka as faust_aiokafka


class IdempotentProducer(faust_aiokafka.Producer):
    """aiokafka producer with ``enable_idempotence``: the broker drops a retried batch it
    already has (per producer id and sequence number). Needs ``acks=all``, which the worker
    sets."""

    def _settings_extra(self) -> Mapping[str, Any]:
        return {**super()._settings_extra(), "enable_idempotence": True}


class IdempotentTransport(faust_aiokafka.Transport):
    Producer = IdempotentProducer


def use_idempotent_producer(app: faust.App) -> None:
    """Give ``app`` the transport above; call before the app's first topic is declared (the
    transport is created on first use)."""
    app.transport = IdempotentTransport(app.conf.broker_consumer, app)
