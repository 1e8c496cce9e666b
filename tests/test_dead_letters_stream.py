"""A mixed stream on the real broker with a real PostgreSQL sink: valid articles are enriched,
every bad message lands in the dead-letter topic with its reason, and the counts balance."""

from __future__ import annotations

import base64
import random

import orjson
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hsettings
from kafka import KafkaProducer

from coopwire_core.kafka_admin import ensure_topics
from coopwire_core.settings import kafka_python_options
from processors.sinks.factory import open_sink
from schemas import DeadLetter, EnrichedArticle, encode
from tests.bad_messages import BAD_MESSAGES, MAX_BYTES, bad_payloads
from tests.kafka_helpers import read_to_end, wait_all_committed
from tests.short_articles import short_articles


def _generated_bad_payloads(count: int) -> list[tuple[bytes, str]]:
    collected: list[tuple[bytes, str]] = []

    @hsettings(
        max_examples=count,
        phases=[Phase.generate],
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(bad_payloads)
    def collect(payload: tuple[bytes, str]) -> None:
        collected.append(payload)

    collect()
    return collected


def test_mixed_stream_every_message_is_enriched_or_dead_lettered(
    settings, start_worker, postgres_sink_url
):
    settings = settings.model_copy(
        update={"max_message_bytes": MAX_BYTES, "sink_url": postgres_sink_url}
    )
    valid = short_articles(12, prefix="valid")
    # (key, value, expected reason or None for valid)
    messages: list[tuple[bytes, bytes | None, str | None]] = [
        (a.id.encode(), encode(a), None) for a in valid
    ]
    messages.append((valid[0].id.encode(), encode(valid[0]), None))  # a duplicate id
    messages += [(f"bad-{i}".encode(), m.value, m.reason) for i, m in enumerate(BAD_MESSAGES)]
    messages += [
        (f"gen-{i}".encode(), value, reason)
        for i, (value, reason) in enumerate(_generated_bad_payloads(40))
    ]
    # Valid for the contract, refused by PostgreSQL (NUL in text): dead-lettered by the sink.
    messages.append(
        (b"nul-1", orjson.dumps({"id": "nul-1", "text": "La police\x00 belge."}), "sink_rejected")
    )
    random.Random(7).shuffle(messages)

    ensure_topics(settings)
    producer = KafkaProducer(**kafka_python_options(settings), acks="all")
    expected: dict[tuple[int, int], tuple[bytes | None, str | None]] = {}
    for key, value, reason in messages:
        meta = producer.send(settings.topic_raw, key=key, value=value).get(timeout=30)
        expected[(meta.partition, meta.offset)] = (value, reason)
    producer.close()
    n_valid = sum(1 for value, reason in expected.values() if reason is None)
    n_bad = len(expected) - n_valid
    assert n_bad >= 12 + 40

    worker = start_worker(max_message_bytes=MAX_BYTES, sink_url=postgres_sink_url)
    # Once the worker committed every message, all it will write for them is on the topics:
    # read them to their end, so an extra duplicate or a stray dead letter is counted too.
    wait_all_committed(settings, settings.topic_raw, settings.app_id, 240, workers=[worker])
    dlq = read_to_end(settings, settings.topic_dlq)
    enriched = read_to_end(settings, settings.topic_enriched)

    # Counts balance: every message in is exactly one message out.
    assert len(enriched) == n_valid and len(dlq) == n_bad
    assert len(expected) == len(enriched) + len(dlq)

    for message in dlq:
        letter = DeadLetter.model_validate(message["value"])
        value, reason = expected[(letter.partition, letter.offset)]
        assert letter.reason == reason, (value, letter.errors)
        assert letter.source_topic == settings.topic_raw
        assert letter.errors and letter.errors[0].msg
        original = (
            base64.b64decode(letter.payload)
            if letter.payload_encoding == "base64"
            else letter.payload.encode()
        )
        if letter.errors[-1].type == "payload_truncated":  # cut to fit the topic, and says so
            assert len(value or b"") > MAX_BYTES // 2 and (value or b"").startswith(original)
        else:
            assert original == (value or b"")
    reasons = {DeadLetter.model_validate(m["value"]).reason for m in dlq}
    assert reasons >= {"invalid_utf8", "invalid_json", "invalid_article", "too_large"}
    assert "sink_rejected" in reasons

    # The duplicate id is enriched twice on the topic (same key) but stored once.
    keys = [m["key"] for m in enriched]
    assert keys.count(valid[0].id.encode()) == 2
    assert {k.decode() for k in keys} == {a.id for a in valid}
    for message in enriched:
        assert EnrichedArticle.model_validate(message["value"]).language.code == "fr"
    with open_sink(postgres_sink_url) as sink:
        rows = sink.query("SELECT id FROM articles ORDER BY id")
    assert sorted(r[0] for r in rows) == sorted(a.id for a in valid)
    assert "dead-lettered" in worker.log()
