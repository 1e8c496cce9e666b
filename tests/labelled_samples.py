"""The project's own labelled articles (samples/articles.jsonl), read once per test session."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import orjson

from schemas import RawArticle

SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "articles.jsonl"


@cache
def labelled() -> tuple[dict, ...]:
    return tuple(orjson.loads(line) for line in SAMPLES.read_bytes().splitlines() if line.strip())


def article(sample_id: str) -> RawArticle:
    return RawArticle.model_validate(next(o for o in labelled() if o["id"] == sample_id))


def cooperating() -> list[dict]:
    return [o for o in labelled() if o["labels"]["cooperation_pairs"]]


def negatives() -> list[dict]:
    return [o for o in labelled() if not o["labels"]["cooperation_pairs"]]
