"""A client that shares no code with coopwire (Kafka's own console producer and consumer, from the
broker's jars) writes raw articles and reads coopwire's topics; every message it reads
validates against the published JSON Schema files."""

from __future__ import annotations

import json
import subprocess
import time

import jsonschema

from coopwire.broker import ensure_jars, java_command
from coopwire_core.settings import Settings
from schemas.generate import SCHEMAS_DIR
from tests.conftest import SAMPLES
from tests.kafka_helpers import WorkerProcess

SEPARATOR = "|"
PRODUCER = "org.apache.kafka.tools.ConsoleProducer"
CONSUMER = "org.apache.kafka.tools.consumer.ConsoleConsumer"
SAMPLE_IDS = [
    "sample-fr-be-fr-police",
    "sample-nl-nl-de-cyber",
    "sample-en-uk-es-laundering",
    "sample-de-wirtschaft",
]


def kafka_tool(
    main_class: str,
    *args: str,
    stdin: str = "",
    timeout: float,
    worker: WorkerProcess | None = None,
) -> str:
    """Run one of Kafka's own command-line clients; fail early when the worker dies."""
    command = [*java_command(), "-cp", f"{ensure_jars()}/*", main_class, *args]
    proc = subprocess.Popen(
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + timeout
    pending_input: str | None = stdin
    try:
        while True:
            try:
                out, errors = proc.communicate(pending_input, timeout=1)
                break
            except subprocess.TimeoutExpired:
                pending_input = None
                if worker is not None:
                    worker.assert_alive()
                if time.monotonic() > deadline:
                    raise
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, errors[-3000:]
    return out


def console_produce(settings: Settings, topic: str, lines: list[str]) -> None:
    kafka_tool(
        PRODUCER,
        "--bootstrap-server",
        settings.kafka_bootstrap_servers,
        "--topic",
        topic,
        "--property",
        "parse.key=true",
        "--property",
        f"key.separator={SEPARATOR}",
        stdin="".join(f"{line}\n" for line in lines),
        timeout=120,
    )


def console_consume(
    settings: Settings, topic: str, count: int, worker: WorkerProcess
) -> list[tuple[str, dict]]:
    """Read ``count`` messages from the beginning; gives up after 150 s without a message."""
    out = kafka_tool(
        CONSUMER,
        "--bootstrap-server",
        settings.kafka_bootstrap_servers,
        "--topic",
        topic,
        "--from-beginning",
        "--max-messages",
        str(count),
        "--timeout-ms",
        "150000",
        "--property",
        "print.key=true",
        "--property",
        f"key.separator={SEPARATOR}",
        timeout=300,
        worker=worker,
    )
    messages = []
    for line in out.splitlines():
        key, value = line.split(SEPARATOR, 1)
        messages.append((key, json.loads(value)))
    return messages


def schema_validator(name: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(
        json.loads((SCHEMAS_DIR / name).read_text()),
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    )


def test_console_clients_write_raw_and_read_topics_that_match_the_published_schemas(
    settings, start_worker
):
    samples = {}
    for line in SAMPLES.read_text().splitlines():
        sample = json.loads(line)
        if sample["id"] in SAMPLE_IDS:
            samples[sample["id"]] = sample
    worker = start_worker()

    # An outside producer knows the JSON contract, not our models: it sends the sample lines
    # as they are (with their extra "labels" field), plus one article without text.
    lines = [
        f"{article_id}{SEPARATOR}{json.dumps(samples[article_id])}" for article_id in SAMPLE_IDS
    ]
    lines.append(f"no-text{SEPARATOR}" + json.dumps({"id": "no-text", "title": "Only a title"}))
    console_produce(settings, settings.topic_raw, lines)

    enriched = console_consume(settings, settings.topic_enriched, len(SAMPLE_IDS), worker)
    worker.assert_alive()
    assert sorted(key for key, _ in enriched) == sorted(SAMPLE_IDS)
    enriched_schema = schema_validator("enriched-article.schema.json")
    for key, article in enriched:
        enriched_schema.validate(article)
        assert article["id"] == key
        assert article["text"] == samples[key]["text"]
        assert article["language"]["code"] == samples[key]["labels"]["lang"]

    (letter_key, letter), *_ = console_consume(settings, settings.topic_dlq, 1, worker)
    schema_validator("dead-letter.schema.json").validate(letter)
    assert letter_key == "no-text"
    assert letter["reason"] == "invalid_article"
    assert json.loads(letter["payload"]) == {"id": "no-text", "title": "Only a title"}

    pairs = [pair for _, article in enriched for pair in article["cooperation"]["pairs"]]
    expected = {tuple(samples[key]["labels"]["cooperation_pairs"][0]) for key in SAMPLE_IDS[:3]}
    assert {tuple(pair["countries"]) for pair in pairs} == expected
    events = console_consume(settings, settings.topic_events, len(pairs), worker)
    events_schema = schema_validator("cooperation-event.schema.json")
    for key, event in events:
        events_schema.validate(event)
        assert key == event["event_id"]
    assert sorted((e["country_a"], e["country_b"]) for _, e in events) == sorted(
        tuple(pair["countries"]) for pair in pairs
    )
