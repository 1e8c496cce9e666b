"""Generate the published contract from the pydantic models: one JSON Schema file per topic
payload and an AsyncAPI 3.0 document describing the topics, their keys and payloads.

Consumers in other languages read these files, never our Python. ``coopwire schema`` writes
them; ``coopwire schema --check`` (and a test) fails when the checked-in files drift from the
models, so a model change cannot ship without its contract.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from schemas.models import SCHEMA_VERSION, CooperationEvent, DeadLetter, EnrichedArticle, RawArticle
from schemas.topics import TOPICS, TopicName

SCHEMAS_DIR = Path(__file__).resolve().parent
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
ASYNCAPI_FILE = "asyncapi.yaml"
KAFKA_BINDING_VERSION = "0.5.0"


@dataclass(frozen=True)
class TopicContract:
    topic: TopicName
    model: type[BaseModel]
    file: str
    key: str
    produced_by: str
    # Producers write articles.raw, so its schema says what coopwire accepts; every other
    # topic is written by coopwire, so its schema says what coopwire emits.
    mode: str


CONTRACTS: tuple[TopicContract, ...] = (
    TopicContract(
        TopicName.RAW,
        RawArticle,
        "raw-article.schema.json",
        "The article id, UTF-8",
        "any producer (`coopwire produce`, feeds, other systems)",
        "validation",
    ),
    TopicContract(
        TopicName.ENRICHED,
        EnrichedArticle,
        "enriched-article.schema.json",
        "The article id, UTF-8",
        "the coopwire worker",
        "serialization",
    ),
    TopicContract(
        TopicName.COOPERATION_EVENTS,
        CooperationEvent,
        "cooperation-event.schema.json",
        "The event id '<article id>:<A>-<B>', UTF-8",
        "the coopwire worker",
        "serialization",
    ),
    TopicContract(
        TopicName.DLQ,
        DeadLetter,
        "dead-letter.schema.json",
        "The original message key (UTF-8, or base64 when it was not UTF-8)",
        "the coopwire worker",
        "serialization",
    ),
)


def _all_properties_required(schema: dict[str, Any]) -> None:
    """coopwire serialises every field, defaults and nulls included (``schemas.codec``), so in
    what it emits every property is present: say so, and consumers may rely on it."""
    for node in [schema, *schema.get("$defs", {}).values()]:
        if node.get("type") == "object" and "properties" in node:
            node["required"] = list(node["properties"])


def json_schema(contract: TopicContract) -> dict[str, Any]:
    schema = copy.deepcopy(contract.model.model_json_schema(mode=contract.mode))  # type: ignore[arg-type]
    if contract.mode == "serialization":
        _all_properties_required(schema)
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        "$comment": "Generated from schemas/models.py by `coopwire schema`; do not edit.",
        "x-coopwire-schema-version": SCHEMA_VERSION,
        "x-topic": contract.topic.value,
        **schema,
    }


def _message_name(contract: TopicContract) -> str:
    return contract.model.__name__


def _channel_id(topic: TopicName) -> str:
    head, *rest = topic.value.split(".")
    return head + "".join(part.capitalize() for part in rest)


def asyncapi_document() -> dict[str, Any]:
    """AsyncAPI 3.0: one channel per topic (address = topic name), its message with the Kafka
    key and a payload that references the JSON Schema file next to this document."""
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for contract in CONTRACTS:
        name = _message_name(contract)
        channel = _channel_id(contract.topic)
        messages[name] = {
            "name": name,
            "title": name,
            "summary": (contract.model.__doc__ or "").strip().splitlines()[0],
            "contentType": "application/json",
            "payload": {"$ref": f"./{contract.file}"},
            "bindings": {
                "kafka": {
                    "key": {"type": "string", "description": contract.key},
                    "bindingVersion": KAFKA_BINDING_VERSION,
                }
            },
        }
        channels[channel] = {
            "address": contract.topic.value,
            "description": TOPICS[contract.topic.value],
            "messages": {name: {"$ref": f"#/components/messages/{name}"}},
            "bindings": {
                "kafka": {"topic": contract.topic.value, "bindingVersion": KAFKA_BINDING_VERSION}
            },
        }
        coopwire_sends = contract.topic != TopicName.RAW
        operations[f"{'send' if coopwire_sends else 'receive'}{name}"] = {
            "action": "send" if coopwire_sends else "receive",
            "summary": f"Written by {contract.produced_by}",
            "channel": {"$ref": f"#/channels/{channel}"},
            "messages": [{"$ref": f"#/channels/{channel}/messages/{name}"}],
        }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "coopwire",
            "version": SCHEMA_VERSION,
            "description": (
                "News articles in; language, entities and cooperation between countries out. "
                "Payloads are UTF-8 JSON; the schemas are JSON Schema 2020-12 files generated "
                "from coopwire's models. Topic names are the defaults; deployments may rename "
                "them. Generated by `coopwire schema`; do not edit."
            ),
        },
        "defaultContentType": "application/json",
        "servers": {
            "local": {
                "host": "127.0.0.1:9092",
                "protocol": "kafka",
                "description": "The broker of `coopwire broker start`",
            }
        },
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages},
    }


def rendered_files() -> dict[str, str]:
    """File name -> exact file content, as ``coopwire schema`` writes it."""
    import yaml

    files = {
        contract.file: json.dumps(json_schema(contract), indent=2, ensure_ascii=False) + "\n"
        for contract in CONTRACTS
    }
    header = "# Generated by `coopwire schema` from schemas/models.py and schemas/topics.py.\n"
    files[ASYNCAPI_FILE] = header + yaml.safe_dump(
        asyncapi_document(), sort_keys=False, allow_unicode=True, width=100
    )
    return files


def write(directory: Path = SCHEMAS_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in rendered_files().items():
        path = directory / name
        path.write_text(content, encoding="utf-8")
        written.append(path)
    return written


def drift(directory: Path = SCHEMAS_DIR) -> list[str]:
    """Names of the files that are missing or differ from what the models generate."""
    return [
        name
        for name, content in rendered_files().items()
        if not (directory / name).is_file()
        or (directory / name).read_text(encoding="utf-8") != content
    ]
