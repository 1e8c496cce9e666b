"""The report as one self-contained HTML file (inline SVG and CSS, no script, no network), so it
can be mailed, archived or opened offline."""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape

from coopwire.report.data import CooperationReport
from coopwire.report.network_svg import network_svg
from coopwire.report.palette import country_name, topic_colour
from coopwire.report.trends_svg import trends_svg

STYLE = """
body { font-family: Helvetica, Arial, sans-serif; margin: 2em auto; max-width: 1000px;
       color: #222; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
.meta { color: #666; margin-top: 0; }
table { border-collapse: collapse; margin: 1em 0 2em; font-size: 0.92em; }
th, td { border-bottom: 1px solid #ddd; padding: 4px 10px; text-align: left; }
td.num, th.num { text-align: right; }
.swatch { display: inline-block; width: 0.9em; height: 0.9em; margin-right: 0.4em;
          vertical-align: -0.1em; }
figure { margin: 0; overflow-x: auto; }
"""


def _pairs_table(report: CooperationReport, top: int) -> str:
    rows = []
    for rank, pair in enumerate(report.pairs[:top], start=1):
        a, b = pair.countries
        topics = ", ".join(f"{escape(t)}&nbsp;{n}" for t, n in pair.topics)
        colour = topic_colour(pair.main_topic)
        rows.append(
            f'<tr class="pair" data-pair="{escape(pair.label)}" data-articles="{pair.articles}">'
            f'<td class="num">{rank}</td><td>{escape(pair.label)}</td>'
            f"<td>{escape(country_name(a))} – {escape(country_name(b))}</td>"
            f'<td class="num">{pair.articles}</td>'
            f'<td><span class="swatch" style="background:{colour}"></span>'
            f"{escape(pair.main_topic or '')}</td><td>{topics}</td></tr>"
        )
    return (
        '<table class="pairs"><thead><tr><th class="num">#</th><th>pair</th><th>countries</th>'
        '<th class="num">articles</th><th>main topic</th><th>topics (articles)</th></tr>'
        f"</thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _trends_table(report: CooperationReport) -> str:
    periods = list(report.trends)
    head = "".join(f'<th class="num">{escape(p)}</th>' for p in periods)
    rows = []
    for topic in report.topics:
        cells = "".join(
            f'<td class="num">{report.trends[p].get(topic, 0) or ""}</td>' for p in periods
        )
        rows.append(
            f'<tr class="trend" data-topic="{escape(topic)}"><td><span class="swatch" '
            f'style="background:{topic_colour(topic)}"></span>{escape(topic)}</td>{cells}</tr>'
        )
    return (
        f'<table class="trends"><thead><tr><th>topic</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def html_page(report: CooperationReport, sink_label: str, top: int = 20) -> str:
    since = f" published since {escape(report.since)}" if report.since else ""
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>coopwire: cooperation between countries</title>
<style>{STYLE}</style></head>
<body>
<h1>Cooperation between countries</h1>
<p class="meta">{report.articles} article(s){since}, {len(report.pairs)} cooperating pair(s),
{len(report.countries)} countries. Sink {escape(sink_label)}; generated {generated}.</p>
<h2>Network</h2>
<figure>{network_svg(report)}</figure>
<h2>Top cooperating pairs</h2>
{_pairs_table(report, top)}
<h2>Topics per {report.period}</h2>
<figure>{trends_svg(report)}</figure>
{_trends_table(report)}
</body></html>
"""
