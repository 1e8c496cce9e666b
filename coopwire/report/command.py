"""``coopwire report``: read the sink, print the tables, write the picture."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from coopwire.report.data import Period, build_report, validate_since
from coopwire.report.html_page import html_page
from coopwire.report.network_svg import network_svg
from coopwire.report.terminal import print_report
from coopwire_core.settings import Settings
from processors.sinks.factory import open_sink

OUTPUT_SUFFIXES = (".html", ".htm", ".svg")


def run_report(
    settings: Settings,
    *,
    since: str | None,
    out: str | None,
    period: Period,
    top: int,
    console: Console,
    messages: Console,
) -> int:
    """Exit code 0, or 2 on a bad option. ``console`` gets the tables, ``messages`` the rest."""
    try:
        validate_since(since)
    except ValueError as exc:
        messages.print(f"[red]{exc}[/]")
        return 2
    target = Path(out) if out else None
    if target is not None and target.suffix.lower() not in OUTPUT_SUFFIXES:
        messages.print(f"[red]--out must end in {', '.join(OUTPUT_SUFFIXES)}[/]: {target}")
        return 2
    with open_sink(settings.sink_url) as sink:
        report = build_report(sink, since=since, period=period)
        sink_label = sink.url_redacted
    print_report(report, console, top=top)
    if target is not None:
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.suffix.lower() == ".svg":
            content = network_svg(report)
        else:
            content = html_page(report, sink_label, top=top)
        target.write_text(content, encoding="utf-8")
        messages.print(f"wrote {target}", soft_wrap=True)
    return 0
