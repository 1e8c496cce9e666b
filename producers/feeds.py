"""Poll RSS and Atom feeds and send each new item to ``articles.raw`` as a RawArticle.

Feeds only carry a teaser, so every new item's page is fetched and its main text extracted
(trafilatura drops menus, footers and ads). One bad item (a 404, a timeout, a page without
text) is reported and skipped; it is not remembered as sent, so the next poll tries it again.
What was delivered is remembered in a state file (``producers.feed_state``) across restarts.
"""

from __future__ import annotations

import calendar
import logging
import re
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlparse

import feedparser
import trafilatura
from pydantic import ValidationError

from coopwire_core.settings import Settings
from producers.feed_state import SentItems
from producers.jsonl import describe_validation_error
from producers.kafka_producer import ArticleProducer, ProduceReport
from schemas.models import RawArticle, derive_article_id

log = logging.getLogger("coopwire.feeds")

MAX_PAGE_BYTES = 5_000_000
PAGE_FETCHERS = 4


@dataclass(frozen=True)
class FeedItem:
    feed_url: str
    key: str
    link: str
    title: str | None
    published_at: str | None
    language_hint: str | None


@dataclass(frozen=True)
class ItemError:
    feed_url: str
    item: str
    reason: str

    def __str__(self) -> str:
        return f"{self.item} ({self.feed_url}): {self.reason}"


@dataclass
class PollReport:
    """The outcome of one poll over all feeds."""

    sent: list[str] = field(default_factory=list)
    already_sent: int = 0
    errors: list[ItemError] = field(default_factory=list)
    not_delivered: list[tuple[str, str]] = field(default_factory=list)


class FetchError(Exception):
    """A feed or page could not be fetched; the message says why in a few words."""


def fetch(url: str, settings: Settings, max_bytes: int = MAX_PAGE_BYTES) -> bytes:
    """GET a URL with the configured timeout and user agent; HTTP errors become FetchError."""
    request = urllib.request.Request(url, headers={"User-Agent": settings.feed_user_agent})
    try:
        with urllib.request.urlopen(request, timeout=settings.feed_timeout_s) as response:
            body = response.read(max_bytes + 1)
    except urllib.error.HTTPError as exc:
        raise FetchError(f"HTTP {exc.code} {exc.reason}") from exc
    except urllib.error.URLError as exc:
        raise FetchError(f"unreachable: {exc.reason}") from exc
    except TimeoutError as exc:
        raise FetchError(f"timed out after {settings.feed_timeout_s}s") from exc
    except OSError as exc:
        raise FetchError(f"{type(exc).__name__}: {exc}") from exc
    if len(body) > max_bytes:
        raise FetchError(f"larger than {max_bytes} bytes")
    return body


def _iso_timestamp(parsed: object) -> str | None:
    """feedparser normalises every date format to a UTC ``time.struct_time``."""
    if parsed is None:
        return None
    try:
        seconds = calendar.timegm(parsed)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return None
    return datetime.fromtimestamp(seconds, UTC).isoformat().replace("+00:00", "Z")


def _language(code: object) -> str | None:
    match = re.match(r"^([A-Za-z]{2})(?:[-_].*)?$", code) if isinstance(code, str) else None
    return match.group(1).lower() if match else None


def parse_feed(feed_url: str, body: bytes) -> list[FeedItem]:
    """Items of an RSS or Atom document, newest order preserved; items without a link are
    skipped because there is no page to read."""
    parsed = feedparser.parse(body)
    if parsed.bozo and not parsed.entries:
        raise FetchError(f"not a feed: {parsed.get('bozo_exception')}")
    language = _language(parsed.feed.get("language"))
    items = []
    for entry in parsed.entries:
        link = entry.get("link")
        if not link:
            continue
        items.append(
            FeedItem(
                feed_url=feed_url,
                key=entry.get("id") or link,
                link=link,
                title=entry.get("title") or None,
                published_at=_iso_timestamp(
                    entry.get("published_parsed") or entry.get("updated_parsed")
                ),
                language_hint=language,
            )
        )
    return items


def article_from_page(item: FeedItem, html: bytes) -> RawArticle:
    """The item's article: its main text from the page, its title and date from the feed."""
    text = trafilatura.extract(html, url=item.link, include_comments=False, include_tables=False)
    if not text or not text.strip():
        raise FetchError("no text extracted from the page")
    title = item.title
    if not title:
        metadata = trafilatura.extract_metadata(html, default_url=item.link)
        title = metadata.title if metadata else None
    first_line, _, rest = text.partition("\n")
    if title and first_line.strip() == title.strip() and rest.strip():
        text = rest  # the page's headline repeats the title the article already carries
    try:
        return RawArticle(
            id="",
            title=title,
            text=text,
            url=item.link,
            source=urlparse(item.link).hostname,
            published_at=item.published_at,
            language_hint=item.language_hint,
        )
    except ValidationError as exc:
        raise FetchError(describe_validation_error(exc)) from exc


class FeedPoller:
    """Reads the feeds, sends what is new, remembers what was delivered."""

    def __init__(
        self,
        settings: Settings,
        feed_urls: Iterable[str],
        producer: ArticleProducer,
        state: SentItems,
        on_error: Callable[[ItemError], None] | None = None,
    ) -> None:
        self.settings = settings
        self.feed_urls = list(feed_urls)
        self.producer = producer
        self.state = state
        self.on_error = on_error

    def _error(self, report: PollReport, error: ItemError) -> None:
        log.warning("feed item skipped: %s", error)
        report.errors.append(error)
        if self.on_error:
            self.on_error(error)

    def new_items(self, report: PollReport) -> list[FeedItem]:
        items: list[FeedItem] = []
        keys: set[str] = set()
        for feed_url in self.feed_urls:
            try:
                feed_items = parse_feed(feed_url, fetch(feed_url, self.settings))
            except FetchError as exc:
                self._error(report, ItemError(feed_url, "<feed>", str(exc)))
                continue
            for item in feed_items:
                article_id = derive_article_id(item.link, None, "")
                if item.key in keys or article_id in keys:
                    continue
                keys.update((item.key, article_id))
                if self.state.contains(item.key, article_id):
                    report.already_sent += 1
                else:
                    items.append(item)
        return items

    def _article(self, item: FeedItem) -> RawArticle | ItemError:
        try:
            return article_from_page(item, fetch(item.link, self.settings))
        except FetchError as exc:
            return ItemError(item.feed_url, item.link, str(exc))
        except Exception as exc:  # a parser bug on one odd page must not stop the loop
            return ItemError(item.feed_url, item.link, f"{type(exc).__name__}: {exc}")

    def poll_once(self) -> PollReport:
        """Fetch all feeds, send every new item, wait for Kafka to confirm, then remember."""
        report = PollReport()
        items = self.new_items(report)
        delivery = ProduceReport()
        pending: list[tuple[FeedItem, RawArticle]] = []
        with ThreadPoolExecutor(PAGE_FETCHERS, thread_name_prefix="feed-page") as pool:
            for item, result in zip(items, pool.map(self._article, items), strict=True):
                if isinstance(result, ItemError):
                    self._error(report, result)
                    continue
                self.producer.send(result, delivery)
                pending.append((item, result))
        self.producer.flush()
        failed = {article_id: reason for article_id, reason in delivery.failed}
        report.not_delivered = list(failed.items())
        delivered = [(item, article) for item, article in pending if article.id not in failed]
        self.state.mark([(item.key, article.id, item.feed_url) for item, article in delivered])
        report.sent = [article.id for _item, article in delivered]
        return report

    def run(
        self,
        every_s: float,
        stop: threading.Event,
        on_report: Callable[[PollReport], None] | None = None,
    ) -> None:
        """Poll until ``stop`` is set, ``every_s`` seconds from the start of one poll to the
        next. A failed poll (broker down) is logged and retried at the next tick."""
        while not stop.is_set():
            started = datetime.now(UTC)
            try:
                report = self.poll_once()
            except Exception:
                log.exception("feed poll failed; retrying at the next tick")
            else:
                if on_report:
                    on_report(report)
            elapsed = (datetime.now(UTC) - started).total_seconds()
            stop.wait(max(0.0, every_s - elapsed))


_INTERVAL = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_interval(text: str) -> float:
    """``90``, ``30s``, ``5m``, ``1h`` or ``1d`` as seconds."""
    match = _INTERVAL.match(text.lower())
    if not match or float(match.group(1)) <= 0:
        raise ValueError(f"not an interval: {text!r} (use e.g. 30s, 5m, 1h)")
    return float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
