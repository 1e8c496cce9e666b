"""The peers a user would otherwise pick, doing the same work with the same enrichment function:
a Quix Streams application and a plain kafka-python consume-enrich-produce loop.

Each runs as its own process (``python -m benchmarks.peers quix|kafka-python ...``), like a
coopwire worker, until it is terminated. Both commit offsets after producing (at-least-once);
neither writes a sink, which coopwire does on top.
"""

from __future__ import annotations

import argparse
import signal
import sys

from processors.enrichment import Enricher
from schemas import RawArticle, decode_json, encode


def run_kafka_python(bootstrap: str, source: str, target: str, group: str, batch: int) -> None:
    from kafka import KafkaConsumer, KafkaProducer

    consumer = KafkaConsumer(
        source,
        bootstrap_servers=bootstrap,
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        max_poll_records=batch,
    )
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    enricher = Enricher()
    enricher.warm_up()
    running = True

    def stop(*_: object) -> None:
        nonlocal running
        running = False

    signal.signal(signal.SIGTERM, stop)
    while running:
        for records in consumer.poll(timeout_ms=200, max_records=batch).values():
            articles = [RawArticle.model_validate(decode_json(r.value)) for r in records]
            for article in enricher.enrich_many(articles):
                producer.send(target, key=article.id.encode(), value=encode(article))
            producer.flush()
            consumer.commit()
    consumer.close()
    producer.close()


def run_quix(bootstrap: str, source: str, target: str, group: str, state_dir: str) -> None:
    from quixstreams import Application

    enricher = Enricher()
    enricher.warm_up()
    app = Application(
        broker_address=bootstrap,
        consumer_group=group,
        auto_offset_reset="earliest",
        loglevel="WARNING",
        state_dir=state_dir,
    )
    raw = app.topic(source, value_deserializer="bytes", key_deserializer="bytes")
    out = app.topic(target, value_serializer="bytes", key_serializer="bytes")

    def enrich_one(value: bytes) -> bytes:
        article = RawArticle.model_validate(decode_json(value))
        return encode(enricher.enrich(article))

    sdf = app.dataframe(topic=raw)
    sdf = sdf.apply(enrich_one)
    sdf.to_topic(out)
    app.run()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("peer", choices=["quix", "kafka-python"])
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--source", required=True)
    parser.add_argument("--target", required=True)
    parser.add_argument("--group", required=True)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--state-dir", default="state", help="Quix Streams state folder")
    args = parser.parse_args(argv)
    if args.peer == "quix":
        run_quix(args.bootstrap, args.source, args.target, args.group, args.state_dir)
    else:
        run_kafka_python(args.bootstrap, args.source, args.target, args.group, args.batch)


if __name__ == "__main__":
    sys.exit(main())
