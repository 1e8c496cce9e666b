"""Turn a raw Kafka record into a RawArticle, or into a DeadLetter that says why not.

Kept free of Kafka and Faust: the agent passes the record's topic, partition, offset, key and
value, and gets back either a valid article or a dead letter carrying the original payload
(base64 when it is not UTF-8) and pydantic's ``loc``/``msg`` for each error.
"""

from __future__ import annotations

import base64
import traceback as tb
from dataclasses import dataclass
from datetime import UTC, datetime

import orjson
from pydantic import ValidationError

from schemas import DeadLetter, ErrorDetail, RawArticle, encode
from schemas.size_limit import oversize_reason


@dataclass(frozen=True)
class Record:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None


def _text_or_base64(data: bytes | None) -> tuple[str, str]:
    if data is None:
        return "", "utf-8"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return base64.b64encode(data).decode("ascii"), "base64"


def dead_letter(
    record: Record, reason: str, errors: list[ErrorDetail], traceback: str | None = None
) -> DeadLetter:
    payload, encoding = _text_or_base64(record.value)
    key, _ = _text_or_base64(record.key)
    return DeadLetter(
        reason=reason,
        errors=errors,
        traceback=traceback,
        source_topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        key=key or None,
        payload=payload,
        payload_encoding=encoding,
        failed_at=datetime.now(UTC),
    )


def decode_record(record: Record, max_bytes: int) -> RawArticle | DeadLetter:
    value = record.value
    if value is None or len(value) == 0:
        return dead_letter(
            record, "invalid_json", [ErrorDetail(msg="empty message value", type="empty")]
        )
    too_large = oversize_reason(len(value), max_bytes)
    if too_large:
        return dead_letter(record, "too_large", [ErrorDetail(msg=too_large, type="too_large")])
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError as exc:
        return dead_letter(record, "invalid_utf8", [ErrorDetail(msg=str(exc), type="unicode")])
    try:
        obj = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        return dead_letter(record, "invalid_json", [ErrorDetail(msg=str(exc), type="json")])
    if not isinstance(obj, dict):
        return dead_letter(
            record,
            "invalid_article",
            [ErrorDetail(msg=f"expected a JSON object, got {type(obj).__name__}", type="type")],
        )
    try:
        return RawArticle.model_validate(obj)
    except ValidationError as exc:
        return dead_letter(
            record,
            "invalid_article",
            [
                ErrorDetail(loc=list(err["loc"]), msg=err["msg"], type=err["type"])
                for err in exc.errors()
            ],
        )


def short_traceback(exc: BaseException) -> str:
    """The innermost frames only: enough to find the bug, small enough for a message."""
    return "".join(tb.format_exception(exc, limit=-5))[-4000:]


def _exception_letter(record: Record, reason: str, kind: str, exc: BaseException) -> DeadLetter:
    error = ErrorDetail(msg=f"{type(exc).__name__}: {exc}", type=kind)
    return dead_letter(record, reason, [error], short_traceback(exc))


def enrichment_failure(record: Record, exc: BaseException) -> DeadLetter:
    return _exception_letter(record, "enrichment_error", "exception", exc)


def sink_rejection(record: Record, exc: BaseException) -> DeadLetter:
    """A valid, enriched article the sink refuses for good (not an outage)."""
    return _exception_letter(record, "sink_rejected", "sink", exc)


def fit_dead_letter(letter: DeadLetter, max_bytes: int) -> DeadLetter:
    """Cut the payload so the dead letter itself can be produced (escaping and base64 can make
    it larger than the message it describes); the cut is recorded in ``errors``."""
    size = len(encode(letter))
    if size <= max_bytes:
        return letter
    original = len(letter.payload)
    keep = original
    while True:
        keep = max(0, min(keep - 1, keep * (max_bytes - 512) // size))
        note = ErrorDetail(
            msg=f"payload cut to {keep} of {original} characters to fit the topic",
            type="payload_truncated",
        )
        cut = letter.model_copy(
            update={"payload": letter.payload[:keep], "errors": [*letter.errors, note]}
        )
        size = len(encode(cut))
        if size <= max_bytes or keep == 0:
            return cut
