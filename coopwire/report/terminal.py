"""The report in the terminal: rich tables of the top pairs and of topic trends."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from coopwire.report.data import CooperationReport

PERIOD_COLUMN = 9


def print_report(report: CooperationReport, console: Console, top: int = 20) -> None:
    since = f" since {report.since}" if report.since else ""
    console.print(
        f"[bold]{report.articles}[/] article(s) with cooperating countries{since}: "
        f"{len(report.pairs)} pair(s), {len(report.countries)} countries"
    )
    pairs = Table(title="Top cooperating pairs", title_justify="left")
    pairs.add_column("#", justify="right")
    pairs.add_column("pair")
    pairs.add_column("articles", justify="right")
    pairs.add_column("main topic")
    pairs.add_column("topics (articles)")
    for rank, pair in enumerate(report.pairs[:top], start=1):
        pairs.add_row(
            str(rank),
            pair.label,
            str(pair.articles),
            pair.main_topic or "",
            ", ".join(f"{topic} {count}" for topic, count in pair.topics),
        )
    console.print(pairs)

    # The latest periods that fit beside the topic names.
    fit = max(3, (console.width - 32) // PERIOD_COLUMN)
    periods = list(report.trends)[-fit:]
    trends = Table(title=f"Topics per {report.period} (articles)", title_justify="left")
    trends.add_column("topic")
    for period in periods:
        trends.add_column(period, justify="right")
    for topic in report.topics:
        trends.add_row(topic, *(str(report.trends[p].get(topic, 0) or "") for p in periods))
    console.print(trends)
