"""The worker and ``coopwire enrich`` run one enrichment: same input, same output."""

from __future__ import annotations

import subprocess
import sys

import orjson

from producers.jsonl import read_articles
from producers.kafka_producer import ArticleProducer
from tests.conftest import SAMPLES
from tests.kafka_helpers import read_topic


def _without_processing(obj: dict) -> dict:
    return {k: v for k, v in obj.items() if k != "processing"}


def test_worker_output_equals_offline_enrich(settings, start_worker):
    articles = [item for _, _, item in read_articles(str(SAMPLES))]
    with ArticleProducer(settings) as producer:
        assert producer.send_all(articles).ok
    worker = start_worker()
    ids = {a.id for a in articles}
    messages = read_topic(
        settings,
        settings.topic_enriched,
        until=lambda msgs: ids <= {m["value"]["id"] for m in msgs},
        timeout=180,
        workers=[worker],
    )
    streamed = {m["value"]["id"]: _without_processing(m["value"]) for m in messages}

    offline_run = subprocess.run(
        [sys.executable, "-m", "coopwire.cli", "enrich", str(SAMPLES)],
        capture_output=True,
        check=True,
        timeout=300,
    )
    offline = {
        obj["id"]: _without_processing(obj)
        for obj in map(orjson.loads, offline_run.stdout.splitlines())
    }
    assert offline.keys() == ids
    for article_id in ids:
        assert streamed[article_id] == offline[article_id], article_id
    # Not vacuous: the samples carry languages and entities in both outputs.
    assert {o["language"]["code"] for o in offline.values()} >= {"fr", "nl", "en", "de"}
    assert any(o["entities"] for o in offline.values())
