"""JSON encoding of the contract. orjson is used because every message crosses it twice
(decode and encode) and the standard library is several times slower on this work."""

from typing import Any

import orjson
from pydantic import BaseModel


def encode(model: BaseModel) -> bytes:
    """Serialise a model to compact UTF-8 JSON, omitting nothing (consumers see every field)."""
    return orjson.dumps(model.model_dump(mode="json"))


def decode_json(data: bytes | str) -> Any:
    """Parse JSON with orjson; raises orjson.JSONDecodeError (a ValueError) on bad input."""
    return orjson.loads(data)
