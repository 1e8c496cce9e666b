"""Topic trends as a stacked bar chart in SVG: one bar per month (or week), one colour per topic,
bar height the number of articles that name the topic in that period."""

from __future__ import annotations

from html import escape

from coopwire.report.data import CooperationReport
from coopwire.report.palette import topic_colour

HEIGHT = 260
BAR = 34
GAP = 18
LEFT = 44
BOTTOM = 46


def trends_svg(report: CooperationReport) -> str:
    periods = list(report.trends)
    topics = report.topics
    width = LEFT + max(len(periods), 1) * (BAR + GAP) + GAP
    tallest = max((sum(c.values()) for c in report.trends.values()), default=0) or 1
    scale = (HEIGHT - BOTTOM - 16) / tallest
    base = HEIGHT - BOTTOM
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="topic-trends" viewBox="0 0 {width} '
        f'{HEIGHT}" width="{width}" height="{HEIGHT}" font-family="Helvetica, Arial, '
        'sans-serif" role="img"><title>Cooperation topics over time</title>',
        f'<line x1="{LEFT - 4}" y1="{base}" x2="{width}" y2="{base}" stroke="#888"/>',
        f'<text x="{LEFT - 8}" y="{base - tallest * scale + 4:.1f}" text-anchor="end" '
        f'font-size="11">{tallest}</text>',
        f'<text x="{LEFT - 8}" y="{base + 4}" text-anchor="end" font-size="11">0</text>',
    ]
    for i, period in enumerate(periods):
        x = LEFT + GAP + i * (BAR + GAP)
        y = float(base)
        counts = report.trends[period]
        parts.append(f'<g class="period" data-period="{escape(period, quote=True)}">')
        for topic in topics:
            count = counts.get(topic, 0)
            if not count:
                continue
            h = count * scale
            y -= h
            parts.append(
                f'<rect class="bar" data-topic="{escape(topic, quote=True)}" '
                f'data-articles="{count}" x="{x}" y="{y:.1f}" width="{BAR}" height="{h:.1f}" '
                f'fill="{topic_colour(topic)}"><title>{escape(period)}: {escape(topic)} '
                f"{count}</title></rect>"
            )
        parts.append(
            f'<text x="{x + BAR / 2}" y="{base + 16}" text-anchor="middle" font-size="11">'
            f"{escape(period)}</text></g>"
        )
    parts.append("</svg>")
    return "\n".join(parts)
