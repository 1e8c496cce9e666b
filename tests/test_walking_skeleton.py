"""End to end on the real broker: producer -> Faust worker -> enriched topic and SQLite sink."""

from __future__ import annotations

import json
import sqlite3

from producers.kafka_producer import ArticleProducer
from schemas import EnrichedArticle, RawArticle
from tests.conftest import SAMPLES
from tests.kafka_helpers import read_to_end, read_topic, wait_all_committed


def _sample(article_id: str) -> dict:
    for line in SAMPLES.read_text().splitlines():
        obj = json.loads(line)
        if obj["id"] == article_id:
            return obj
    raise KeyError(article_id)


def test_french_article_is_enriched_on_the_topic_and_in_the_sink(settings, start_worker):
    sample = _sample("sample-fr-be-fr-police")
    article = RawArticle.model_validate(sample)

    with ArticleProducer(settings) as producer:
        report = producer.send_all([article])
    assert report.sent == 1 and report.ok

    worker = start_worker()
    messages = read_topic(
        settings,
        settings.topic_enriched,
        until=lambda msgs: any(m["key"] == article.id.encode() for m in msgs),
        timeout=120,
        workers=[worker],
    )
    # One article in, exactly one out: read every output topic to its end once the worker
    # committed the article, and count.
    wait_all_committed(settings, settings.topic_raw, settings.app_id, workers=[worker])
    messages = read_to_end(settings, settings.topic_enriched)
    assert [m["key"] for m in messages] == [article.id.encode()]
    assert read_to_end(settings, settings.topic_dlq) == []
    events = read_to_end(settings, settings.topic_events)
    assert sorted(m["key"].decode() for m in events) == sorted(
        f"{article.id}:{'-'.join(pair.countries)}"
        for pair in EnrichedArticle.model_validate(messages[0]["value"]).cooperation.pairs
    )
    assert events, "the sample cooperates: it has events"
    enriched = EnrichedArticle.model_validate(messages[0]["value"])
    assert enriched.language.code == "fr"
    persons = {e.canonical for e in enriched.entities if e.type == "PERSON"}
    assert {"Gérald Darmanin", "Annelies Verlinden"} <= persons, (persons, worker.log()[-2000:])
    assert enriched.text == article.text

    db = sqlite3.connect(settings.sink_url.removeprefix("sqlite:///"))
    rows = db.execute("SELECT id, language FROM articles").fetchall()
    assert rows == [(article.id, "fr")]
