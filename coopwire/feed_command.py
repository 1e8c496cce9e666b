"""``coopwire produce --feed``: poll feeds once or on a schedule and print what happened.

Kept apart from ``coopwire.cli`` so the command line stays a list of thin commands; the work
itself lives in ``producers.feeds``.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console

from coopwire_core.settings import Settings
from producers.feed_state import SentItems
from producers.feeds import FeedPoller, PollReport, parse_interval
from producers.kafka_producer import ArticleProducer


def state_path(settings: Settings) -> Path:
    return settings.feed_state_path or settings.data_dir / "feeds.sqlite3"


def print_report(report: PollReport, console: Console, topic: str) -> None:
    for error in report.errors:
        console.print(f"[yellow]skipped[/] {error}", soft_wrap=True)
    for article_id, reason in report.not_delivered:
        console.print(f"[red]not delivered[/] {article_id}: {reason}", soft_wrap=True)
    console.print(
        f"sent {len(report.sent)}, already sent {report.already_sent}, "
        f"skipped {len(report.errors)}, failed {len(report.not_delivered)} -> {topic}"
    )


def run_feeds(
    settings: Settings,
    feeds: Sequence[str],
    *,
    every: str,
    once: bool,
    topic: str | None,
    console: Console,
) -> int:
    """Exit code: 0 when all went well, 1 when items were skipped, 2 when Kafka refused some
    (with ``--once``); the polling loop itself only stops on Ctrl+C or SIGTERM."""
    try:
        interval = parse_interval(every)
    except ValueError as exc:
        console.print(f"[red]--every: {exc}[/]")
        return 2
    path = state_path(settings)
    with ArticleProducer(settings, topic=topic) as producer, SentItems(path) as state:
        poller = FeedPoller(settings, feeds, producer, state)
        if once:
            report = poller.poll_once()
            print_report(report, console, producer.topic)
            if report.not_delivered:
                return 2
            return 1 if report.errors else 0
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        console.print(
            f"polling {len(feeds)} feed(s) every {interval:g}s; state in {path}; Ctrl+C stops"
        )
        poller.run(interval, stop, on_report=lambda r: print_report(r, console, producer.topic))
    return 0
