"""Hand-made bad messages for ``articles.raw``, each with the reason it must be dead-lettered
for, and a hypothesis strategy for more. Shared by the unit tests of ``decode_record`` and the
stream test on the real broker, so both prove the same list."""

from __future__ import annotations

import json
import string
from dataclasses import dataclass

from hypothesis import strategies as st

#: ``max_message_bytes`` the tests run with, so "too large" stays cheap to produce.
MAX_BYTES = 4096


@dataclass(frozen=True)
class BadMessage:
    name: str
    value: bytes | None
    reason: str
    #: pydantic's ``loc`` expected among the errors (invalid_article only).
    loc: tuple[str | int, ...] | None = None


BAD_MESSAGES: list[BadMessage] = [
    BadMessage("empty value", b"", "invalid_json"),
    BadMessage("tombstone (no value)", None, "invalid_json"),
    BadMessage("not UTF-8", b"\xff\xfe{\x00\x81 latin-1 caf\xe9", "invalid_utf8"),
    BadMessage("truncated JSON", b'{"text": "La police', "invalid_json"),
    BadMessage("not JSON at all", b"hello, world", "invalid_json"),
    BadMessage("NaN literal", b'{"text": NaN}', "invalid_json"),
    BadMessage("lone surrogate escape", b'{"text": "\\ud800"}', "invalid_json"),
    BadMessage(
        "nested too deep", b'{"text": "x", "n": ' + b"[" * 2000 + b"]" * 2000 + b"}", "invalid_json"
    ),
    BadMessage("JSON array", b'[{"text": "La police"}]', "invalid_article"),
    BadMessage("JSON string", b'"La police belge"', "invalid_article"),
    BadMessage("missing text", b'{"title": "Sans texte"}', "invalid_article", ("text",)),
    BadMessage("empty text", b'{"id": "e1", "text": ""}', "invalid_article", ("text",)),
    BadMessage("blank text", b'{"id": "b1", "text": " \\n\\t "}', "invalid_article", ("text",)),
    BadMessage("text is a number", b'{"id": "n1", "text": 42}', "invalid_article", ("text",)),
    BadMessage("text is a list", b'{"id": "l1", "text": ["a"]}', "invalid_article", ("text",)),
    BadMessage(
        "id is a number", b'{"id": 7, "text": "La police belge."}', "invalid_article", ("id",)
    ),
    BadMessage(
        "id too long",
        json.dumps({"id": "x" * 300, "text": "La police."}).encode(),
        "invalid_article",
        ("id",),
    ),
    BadMessage(
        "date is not a date",
        b'{"text": "La police.", "published_at": "hier"}',
        "invalid_article",
        ("published_at",),
    ),
    BadMessage(
        "language hint is not a code",
        b'{"text": "Police.", "language_hint": "French"}',
        "invalid_article",
        ("language_hint",),
    ),
    BadMessage("too large", json.dumps({"text": "a" * MAX_BYTES}).encode(), "too_large"),
]


def _not_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def _dumps(obj: object) -> bytes:
    return json.dumps(obj).encode()


_int64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)  # JSON numbers orjson reads
_wrong_text = st.one_of(
    _int64,
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.none(),
    st.lists(st.text()),
)

#: Messages that are bad by construction (checked without the code under test):
#: (bytes, the reason they must be dead-lettered for).
bad_payloads = st.one_of(
    st.binary(min_size=1, max_size=200).filter(_not_utf8).map(lambda b: (b, "invalid_utf8")),
    st.one_of(_int64, st.lists(_int64), st.text(max_size=50)).map(
        lambda v: (_dumps(v), "invalid_article")
    ),
    st.fixed_dictionaries({"text": _wrong_text}, optional={"title": st.text(max_size=30)}).map(
        lambda d: (_dumps(d), "invalid_article")
    ),
    st.text(alphabet=" \t\r\n", max_size=10).map(
        lambda t: (_dumps({"id": "blank", "text": t}), "invalid_article")
    ),
    st.text(alphabet=string.ascii_letters, min_size=1, max_size=20).map(
        lambda d: (_dumps({"text": "La police.", "published_at": d}), "invalid_article")
    ),
    # A leading "x" is never JSON, whatever follows.
    st.text(max_size=40).map(lambda t: (("x" + t).encode(), "invalid_json")),
)
