"""Read articles from JSONL files, one object per line, reporting bad lines by number.

A bad line never stops the file: it is reported as ``file:line:column`` with what was wrong in
the writer's terms (what the JSON needed at that point, the byte that is not UTF-8, the field
that is missing), and the remaining lines are read. Every path is checked before any is read,
so a typo in the third file name does not cut a run short after the first two.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import orjson
from pydantic import ValidationError

from schemas import RawArticle, encode
from schemas.size_limit import oversize_reason


class InputError(Exception):
    """An input path that cannot be read: a user's mistake, reported in one line."""


@dataclass(frozen=True)
class Rejected:
    source: str
    line: int
    reason: str
    column: int | None = None

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" + (f":{self.column}" if self.column else "")
        return f"{where}: {self.reason}"


def check_inputs(paths: Iterable[str]) -> None:
    """Raise InputError naming every path that cannot be opened, before anything is read."""
    problems = []
    for path in paths:
        if path == "-":
            continue
        try:
            Path(path).open("rb").close()
        except OSError as exc:
            reason = (exc.strerror or type(exc).__name__).lower()
            problems.append(f"{path}: {reason}")
    if problems:
        raise InputError("cannot read " + "; ".join(problems))


# The standard library's JSON messages (it says where and what it expected), in plain words.
_JSON_MESSAGES = {
    "Expecting value": "expected a value",
    "Expecting ',' delimiter": "expected ',' or the closing bracket",
    "Expecting ':' delimiter": "expected ':' after the field name",
    "Expecting property name enclosed in double quotes": 'expected a field name in "double quotes"',
    "Extra data": "unexpected text after the JSON value (one object per line)",
    "Unterminated string starting at": 'a string is not closed (missing ")',
    "Invalid control character at": r"a control character inside a string (write \n, \t)",
    "Invalid \\escape": "an invalid backslash escape",
}


def _json_problem(text: str, fallback: orjson.JSONDecodeError) -> tuple[int, str]:
    """(column, message) for a line orjson refused. orjson's messages describe its parser
    ("invalid literal, expected 'true'"); the standard library's say what the line needed."""
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        message = _JSON_MESSAGES.get(exc.msg, exc.msg[:1].lower() + exc.msg[1:])
        if exc.msg == "Expecting value" and exc.pos == len(text) - len(text.lstrip()):
            message = 'expected a JSON object, such as {"text": "..."}'
        return exc.colno, message
    return fallback.colno, fallback.msg


def describe_validation_error(exc: ValidationError) -> str:
    """Pydantic's errors as a person reads them: ``text is blank`` rather than
    ``id: Field required; text: String should have at least 1 character`` (the id is derived
    from the text, so its absence is a consequence, not a second mistake)."""
    errors = exc.errors(include_url=False)
    fields = {str(err["loc"][0]) for err in errors if err["loc"]}
    messages = []
    for err in errors:
        where = ".".join(str(p) for p in err["loc"]) or "the article"
        kind = err["type"]
        if where == "id" and kind == "missing" and "text" in fields:
            continue
        if where == "text" and kind in ("string_too_short", "value_error"):
            messages.append("text is blank: an article needs its body text")
        elif kind == "missing":
            messages.append(f"{where} is missing")
        else:
            messages.append(f"{where}: {err['msg'].removeprefix('Value error, ')}")
    return "; ".join(messages)


def read_articles(
    path: str, max_bytes: int | None = None
) -> Iterator[tuple[int, dict, RawArticle | Rejected]]:
    """Yield (line number, raw object, article or rejection) for each non-blank line.
    ``path`` may be ``-`` for standard input. With ``max_bytes``, an article whose message
    would be larger is rejected, as the worker would dead-letter it."""
    if path == "-":
        handle, source = sys.stdin.buffer, "<stdin>"
    else:
        try:
            handle, source = Path(path).open("rb"), path  # noqa: SIM115
        except OSError as exc:
            raise InputError(f"cannot read {path}: {(exc.strerror or '').lower()}") from None
    offset = 0
    try:
        for number, line in enumerate(handle, start=1):
            start, offset = offset, offset + len(line)
            if not line.strip():
                continue
            try:
                text = line.decode("utf-8")
            except UnicodeDecodeError as exc:
                column = len(line[: exc.start].decode("utf-8", errors="replace")) + 1
                reason = (
                    f"not UTF-8: byte 0x{line[exc.start]:02x} at byte offset {start + exc.start}"
                    " of the input; save the file as UTF-8"
                )
                yield number, {}, Rejected(source, number, reason, column)
                continue
            try:
                obj = orjson.loads(text)
            except orjson.JSONDecodeError as exc:
                column, message = _json_problem(text, exc)
                yield number, {}, Rejected(source, number, f"invalid JSON: {message}", column)
                continue
            if not isinstance(obj, dict):
                reason = f'a line must be a JSON object such as {{"text": "..."}}, not {_kind(obj)}'
                yield number, {}, Rejected(source, number, reason)
                continue
            try:
                article = RawArticle.model_validate(obj)
            except ValidationError as exc:
                yield number, obj, Rejected(source, number, describe_validation_error(exc))
                continue
            if max_bytes is not None:
                reason = oversize_reason(len(encode(article)), max_bytes)
                if reason:
                    yield number, obj, Rejected(source, number, reason)
                    continue
            yield number, obj, article
    finally:
        if handle is not sys.stdin.buffer:
            handle.close()


def _kind(value: object) -> str:
    names = {list: "an array", str: "a string", bool: "true or false", type(None): "null"}
    return names.get(type(value), "a number")
