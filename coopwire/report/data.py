"""The numbers behind the report, computed from the sink's ``cooperation_events`` table.

One row of that table is one cooperating pair in one article, so counting rows per pair counts
articles. The SQL is one plain SELECT without parameters, because SQLite and PostgreSQL
disagree on placeholders and on JSON types; filtering and grouping happen here instead.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

import orjson

from processors.sinks.base import Sink

Period = Literal["month", "week"]
UNDATED = "undated"

EVENTS_SQL = "SELECT article_id, country_a, country_b, topics, published_at FROM cooperation_events"
_DATE_PREFIX = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
_SINCE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


@dataclass(frozen=True)
class PairSummary:
    """Two countries and the articles in which they cooperate."""

    countries: tuple[str, str]
    articles: int
    topics: list[tuple[str, int]]
    main_topic: str | None

    @property
    def label(self) -> str:
        return f"{self.countries[0]}-{self.countries[1]}"


@dataclass
class CooperationReport:
    since: str | None
    period: Period
    pairs: list[PairSummary] = field(default_factory=list)
    trends: dict[str, Counter[str]] = field(default_factory=dict)
    articles: int = 0

    @property
    def countries(self) -> dict[str, int]:
        """Country -> articles in which it cooperates with someone (an article with two pairs
        that share a country counts once per pair: a node's weight is its edges' sum)."""
        totals: Counter[str] = Counter()
        for pair in self.pairs:
            for country in pair.countries:
                totals[country] += pair.articles
        return dict(totals.most_common())

    @property
    def topics(self) -> list[str]:
        """Topics in the trends, most frequent first."""
        totals: Counter[str] = Counter()
        for counts in self.trends.values():
            totals.update(counts)
        return [topic for topic, _ in totals.most_common()]


def _topics(value: object) -> list[str]:
    """``topics`` is JSON text in SQLite and already decoded JSONB in PostgreSQL."""
    if isinstance(value, str | bytes):
        value = orjson.loads(value)
    return [str(topic) for topic in value] if isinstance(value, list) else []


def _published(value: object) -> str | None:
    if value is None:
        return None
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return text if _DATE_PREFIX.match(text) else None


def is_on_or_after(published_at: str | None, since: str | None) -> bool:
    """Whether an article's date can fall on or after ``since``. Dates are compared on their
    common precision, so an article dated only "2025-03" passes since="2025-03-14"."""
    if since is None:
        return True
    if published_at is None:
        return False
    day = published_at[:10]
    common = min(len(day), len(since))
    return day[:common] >= since[:common]


def period_of(published_at: str | None, period: Period) -> str:
    """``2025-03`` (month) or ``2025-W11`` (ISO week); UNDATED when the date is too coarse."""
    match = _DATE_PREFIX.match(published_at or "")
    if not match:
        return UNDATED
    year, month, day = match.groups()
    if period == "month":
        return f"{year}-{month}" if month else UNDATED
    if not day:
        return UNDATED
    iso = date(int(year), int(month), int(day)).isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def validate_since(since: str | None) -> str | None:
    if since is not None and not _SINCE.match(since):
        raise ValueError(f"--since takes YYYY, YYYY-MM or YYYY-MM-DD, not {since!r}")
    return since


def _main_topic(firsts: Counter[str], totals: Counter[str]) -> str | None:
    """The topic listed first on most of the pair's articles. The enrichment lists a pair's
    topics from specific crime areas to general police cooperation, so this names what the
    countries work on rather than the fact that their police talk."""
    if not totals:
        return None
    return min(totals, key=lambda t: (-firsts[t], -totals[t], t))


def summarise(rows: Iterable[tuple], since: str | None, period: Period) -> CooperationReport:
    """Group event rows ``(article_id, country_a, country_b, topics, published_at)``."""
    validate_since(since)
    report = CooperationReport(since=since, period=period)
    pair_articles: dict[tuple[str, str], set[str]] = {}
    pair_topics: dict[tuple[str, str], Counter[str]] = {}
    pair_firsts: dict[tuple[str, str], Counter[str]] = {}
    article_topics: dict[str, set[str]] = {}
    article_period: dict[str, str] = {}
    for article_id, country_a, country_b, raw_topics, raw_published in rows:
        published = _published(raw_published)
        if not is_on_or_after(published, since):
            continue
        pair = (country_a, country_b) if country_a <= country_b else (country_b, country_a)
        topics = _topics(raw_topics)
        if article_id in pair_articles.setdefault(pair, set()):
            continue
        pair_articles[pair].add(article_id)
        pair_topics.setdefault(pair, Counter()).update(set(topics))
        if topics:
            pair_firsts.setdefault(pair, Counter())[topics[0]] += 1
        article_topics.setdefault(article_id, set()).update(topics)
        article_period[article_id] = period_of(published, period)
    for pair, articles in pair_articles.items():
        totals = pair_topics.get(pair, Counter())
        report.pairs.append(
            PairSummary(
                countries=pair,
                articles=len(articles),
                topics=sorted(totals.items(), key=lambda item: (-item[1], item[0])),
                main_topic=_main_topic(pair_firsts.get(pair, Counter()), totals),
            )
        )
    report.pairs.sort(key=lambda p: (-p.articles, p.countries))
    for article_id, topics in article_topics.items():
        report.trends.setdefault(article_period[article_id], Counter()).update(topics)
    report.trends = dict(
        sorted(report.trends.items(), key=lambda item: (item[0] == UNDATED, item[0]))
    )
    report.articles = len(article_topics)
    return report


def build_report(
    sink: Sink, since: str | None = None, period: Period = "month"
) -> CooperationReport:
    return summarise(sink.query(EVENTS_SQL), since, period)
