"""The published contract: JSON Schema files and the AsyncAPI document match the models, are
valid documents of their own standards, and accept what coopwire really emits."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest
import yaml
from typer.testing import CliRunner

from coopwire.cli import app
from processors.enrichment import Enricher
from processors.enrichment.events import cooperation_events
from schemas import DeadLetter, ErrorDetail, RawArticle, TopicName, encode
from schemas.generate import ASYNCAPI_FILE, CONTRACTS, SCHEMAS_DIR, drift
from tests.conftest import SAMPLES

# The AsyncAPI 3.0.0 specification as JSON Schema, from the npm package @asyncapi/specs 6.11.1
# (schemas/3.0.0-without-$id.json, Apache-2.0), kept here so the check needs no network.
ASYNCAPI_SPEC = Path(__file__).parent / "data" / "asyncapi-3.0.0.schema.json"


def load_schema(name: str) -> dict:
    return json.loads((SCHEMAS_DIR / name).read_text())


def validator(name: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(
        load_schema(name), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def test_checked_in_contract_matches_the_models():
    assert drift() == [], "the contract is stale: run `coopwire schema` and commit schemas/"


def test_schema_check_command_fails_on_drift(tmp_path):
    runner = CliRunner()
    assert runner.invoke(app, ["schema", "--out", str(tmp_path)]).exit_code == 0
    assert runner.invoke(app, ["schema", "--check", "--out", str(tmp_path)]).exit_code == 0

    enriched = tmp_path / "enriched-article.schema.json"
    schema = json.loads(enriched.read_text())
    del schema["properties"]["language"]
    enriched.write_text(json.dumps(schema, indent=2))
    (tmp_path / ASYNCAPI_FILE).unlink()
    result = runner.invoke(app, ["schema", "--check", "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert "enriched-article.schema.json" in result.output
    assert ASYNCAPI_FILE in result.output
    assert "raw-article.schema.json" not in result.output


@pytest.mark.parametrize("contract", CONTRACTS, ids=lambda c: c.topic.value)
def test_every_schema_is_valid_json_schema_2020_12(contract):
    schema = load_schema(contract.file)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["x-topic"] == contract.topic.value
    assert schema["title"] == contract.model.__name__


def test_what_coopwire_emits_validates_and_bad_payloads_do_not():
    samples = [json.loads(line) for line in SAMPLES.read_text().splitlines()][:2]
    raw_validator = validator("raw-article.schema.json")
    for sample in samples:
        raw_validator.validate(sample)  # extra fields ("labels") are allowed on input
        raw_validator.validate(json.loads(encode(RawArticle.model_validate(sample))))

    enriched = Enricher().enrich_many([RawArticle.model_validate(s) for s in samples])
    enriched_validator = validator("enriched-article.schema.json")
    events_validator = validator("cooperation-event.schema.json")
    for article in enriched:
        enriched_validator.validate(json.loads(encode(article)))
        for event in cooperation_events(article):
            events_validator.validate(json.loads(encode(event)))

    letter = DeadLetter(
        reason="invalid_json",
        errors=[ErrorDetail(loc=["text"], msg="Field required", type="missing")],
        source_topic=TopicName.RAW.value,
        partition=0,
        offset=7,
        key=None,
        payload="{not json",
        payload_encoding="utf-8",
        failed_at=datetime.now(UTC),
    )
    validator("dead-letter.schema.json").validate(json.loads(encode(letter)))

    payload = json.loads(encode(enriched[0]))
    broken = {**payload, "countries": ["fra"]}
    assert not enriched_validator.is_valid(broken)
    missing = {k: v for k, v in payload.items() if k != "processing"}
    assert not enriched_validator.is_valid(missing)
    assert not raw_validator.is_valid({"id": "x", "text": "t", "published_at": 2025})


def test_asyncapi_document_is_valid_and_names_every_topic_and_payload():
    document = yaml.safe_load((SCHEMAS_DIR / ASYNCAPI_FILE).read_text())
    spec = json.loads(ASYNCAPI_SPEC.read_text())
    errors = [e.message for e in jsonschema.Draft7Validator(spec).iter_errors(document)]
    assert errors == []

    channels = document["channels"]
    assert {c["address"] for c in channels.values()} == {t.value for t in TopicName}
    for channel in channels.values():
        (ref,) = (m["$ref"] for m in channel["messages"].values())
        message = document["components"]["messages"][ref.rsplit("/", 1)[-1]]
        payload_file = SCHEMAS_DIR / message["payload"]["$ref"]
        assert load_schema(payload_file.name)["x-topic"] == channel["address"]
        assert message["bindings"]["kafka"]["key"]["type"] == "string"
    actions = {op["channel"]["$ref"]: op["action"] for op in document["operations"].values()}
    assert actions["#/channels/articlesRaw"] == "receive"
    assert actions["#/channels/articlesEnriched"] == "send"


def test_schema_command_writes_to_a_fresh_folder(tmp_path):
    target = tmp_path / "contract"
    result = CliRunner().invoke(app, ["schema", "--out", str(target)])
    assert result.exit_code == 0, result.output
    for name in [c.file for c in CONTRACTS] + [ASYNCAPI_FILE]:
        assert (target / name).read_text() == (SCHEMAS_DIR / name).read_text()
    shutil.rmtree(target)
