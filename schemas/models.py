"""Pydantic v2 models for every payload on coopwire topics.

These models are the single source of truth: the JSON Schema files in this folder are
generated from them (``coopwire schema``) and a test fails when they drift.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

# 1.1 (additive): evidence offsets, cooperation.tensions, persons' countries.
SCHEMA_VERSION = "1.2"

CountryCode = Annotated[str, Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2")]

# ISO 8601 as news feeds actually publish it: a year, a month, a day or a full timestamp.
_PARTIAL_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def derive_article_id(url: str | None, title: str | None, text: str) -> str:
    """A stable id for articles that arrive without one: the URL identifies a web article;
    without a URL, the content does. Re-sending the same article gives the same id, which is
    what makes the sinks idempotent."""
    basis = url.strip() if url and url.strip() else f"{title or ''}\n{text}"
    return hashlib.sha256(basis.encode("utf-8")).hexdigest()[:32]


class RawArticle(BaseModel):
    """An article as producers send it to ``articles.raw``."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=False)

    id: str = Field(min_length=1, max_length=256, description="Derived from url, else title+text")
    title: str | None = None
    text: str = Field(min_length=1, description="Body text; must contain non-whitespace")
    url: str | None = None
    source: str | None = None
    published_at: str | None = Field(
        default=None, description="ISO 8601: YYYY, YYYY-MM, YYYY-MM-DD or a full timestamp"
    )
    language_hint: str | None = Field(default=None, pattern=r"^[a-z]{2}$")

    @model_validator(mode="before")
    @classmethod
    def _derive_id(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data.get("id"):
            text = data.get("text")
            if isinstance(text, str) and text.strip():
                url = data.get("url") if isinstance(data.get("url"), str) else None
                title = data.get("title") if isinstance(data.get("title"), str) else None
                data = {**data, "id": derive_article_id(url, title, text)}
        return data

    @field_validator("text")
    @classmethod
    def _text_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("text is blank")
        return value

    @field_validator("published_at")
    @classmethod
    def _iso8601(cls, value: str | None) -> str | None:
        if value is None or _PARTIAL_DATE.match(value):
            return value
        try:
            datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as exc:
            raise ValueError(f"not an ISO 8601 date or timestamp: {value!r}") from exc
        return value


class Language(BaseModel):
    code: str = Field(description="ISO 639-1 code, or 'und' when undetermined")
    confidence: float = Field(ge=0.0, le=1.0)


class EntityType(StrEnum):
    PERSON = "PERSON"
    ORG = "ORG"
    LOC = "LOC"
    MISC = "MISC"


class Entity(BaseModel):
    text: str = Field(description="The most frequent surface form in the article")
    type: EntityType
    canonical: str = Field(description="Normalised name; one per real-world entity per article")
    country: CountryCode | None = Field(
        default=None,
        description="A place's country, an agency's, or a person's when the text gives it",
    )
    count: int = Field(ge=1)
    aliases: list[str] = Field(
        default_factory=list,
        description="Other names the article gives it: an acronym beside the full name",
    )


class Evidence(BaseModel):
    """Where a finding comes from: the sentence, and its character offsets in ``text``."""

    evidence: str = Field(default="", description="The sentence that supports the finding")
    evidence_start: int | None = Field(
        default=None,
        ge=0,
        description="Offset of the sentence in the article's text; null when it is in the title",
    )
    evidence_end: int | None = Field(default=None, ge=0, description="End offset (exclusive)")


class CooperationTopic(Evidence):
    id: str
    score: float = Field(ge=0.0, le=1.0)


class CooperationPair(Evidence):
    countries: tuple[CountryCode, CountryCode] = Field(description="Sorted alphabetically")
    topics: list[str] = Field(default_factory=list)

    @field_validator("countries")
    @classmethod
    def _sorted_pair(cls, value: tuple[str, str]) -> tuple[str, str]:
        if value[0] == value[1]:
            raise ValueError("a cooperation pair needs two different countries")
        return (value[0], value[1]) if value[0] < value[1] else (value[1], value[0])


class TensionKind(StrEnum):
    SUSPENDED = "suspended"  # suspended, frozen, broken off, ended
    REFUSED = "refused"  # refused cooperation or a refused extradition
    EXPELLED_DIPLOMATS = "expelled_diplomats"


class Tension(Evidence):
    """Countries whose security or justice cooperation is refused, suspended or broken off.

    Never a cooperation pair: consumers that count cooperation read ``pairs``; those that watch
    relations read this list too.
    """

    countries: list[CountryCode] = Field(description="Sorted; one or more")
    kind: TensionKind


class Cooperation(BaseModel):
    score: float = Field(default=0.0, ge=0.0, le=1.0)
    topics: list[CooperationTopic] = Field(default_factory=list)
    pairs: list[CooperationPair] = Field(default_factory=list)
    tensions: list[Tension] = Field(default_factory=list)


class Processing(BaseModel):
    pipeline_version: str
    processed_at: datetime
    duration_ms: float = Field(ge=0.0)


class EnrichedArticle(RawArticle):
    """What ``articles.enriched`` carries: the raw article plus everything coopwire found."""

    schema_version: str = SCHEMA_VERSION
    language: Language
    entities: list[Entity] = Field(default_factory=list)
    countries: list[CountryCode] = Field(default_factory=list, description="Sorted")
    cooperation: Cooperation = Field(default_factory=Cooperation)
    processing: Processing


class CooperationEvent(BaseModel):
    """One cooperating country pair in one article (``cooperation.events``), GDELT-like."""

    schema_version: str = SCHEMA_VERSION
    event_id: str = Field(description="'<article id>:<A>-<B>'; stable across re-deliveries")
    article_id: str
    country_a: CountryCode
    country_b: CountryCode
    topics: list[str]
    score: float = Field(ge=0.0, le=1.0)
    evidence: str
    url: str | None = None
    source: str | None = None
    published_at: str | None = None
    language: str
    processed_at: datetime


class ErrorDetail(BaseModel):
    loc: list[str | int] = Field(default_factory=list)
    msg: str
    type: str = "error"


class DeadLetter(BaseModel):
    """A message coopwire could not enrich, with everything needed to replay or fix it."""

    schema_version: str = SCHEMA_VERSION
    reason: str = Field(
        description=(
            "invalid_utf8 | invalid_json | invalid_article | too_large | enrichment_error"
            " | sink_rejected"
        )
    )
    errors: list[ErrorDetail] = Field(default_factory=list)
    traceback: str | None = None
    source_topic: str
    partition: int
    offset: int
    key: str | None = None
    payload: str = Field(description="The original value, as text or base64")
    payload_encoding: str = Field(description="'utf-8' or 'base64'")
    failed_at: datetime
