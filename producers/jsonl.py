"""Read articles from JSONL files, one object per line, reporting bad lines by number.

A bad line never stops the file: it is reported with its line number and the reason, and the
remaining lines are read.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import orjson
from pydantic import ValidationError

from schemas import RawArticle


@dataclass(frozen=True)
class Rejected:
    source: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.reason}"


def describe_validation_error(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in err['loc']) or '<root>'}: {err['msg']}" for err in exc.errors()
    )


def read_articles(path: str) -> Iterator[tuple[int, dict, RawArticle | Rejected]]:
    """Yield (line number, raw object, article or rejection) for each non-blank line.
    ``path`` may be ``-`` for standard input."""
    handle = sys.stdin.buffer if path == "-" else Path(path).open("rb")  # noqa: SIM115
    source = "<stdin>" if path == "-" else path
    try:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                obj = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                yield number, {}, Rejected(source, number, f"invalid JSON: {exc}")
                continue
            if not isinstance(obj, dict):
                yield number, {}, Rejected(source, number, "a line must be a JSON object")
                continue
            try:
                yield number, obj, RawArticle.model_validate(obj)
            except ValidationError as exc:
                yield number, obj, Rejected(source, number, describe_validation_error(exc))
    finally:
        if handle is not sys.stdin.buffer:
            handle.close()
