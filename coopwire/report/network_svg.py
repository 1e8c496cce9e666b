"""The cooperation network as a standalone SVG: countries on a circle, one edge per cooperating
pair, its width the number of articles and its colour the pair's main topic.

Written by hand rather than with a plotting library: a few dozen elements, no dependency, and
every element carries ``data-*`` attributes so the picture can be checked (and scripted).
"""

from __future__ import annotations

import math
from html import escape

from coopwire.report.data import CooperationReport
from coopwire.report.palette import country_name, topic_colour, topic_label

SIZE = 880
RADIUS = 270
LEGEND_ROW = 22


def _attr(value: object) -> str:
    return escape(str(value), quote=True)


def _positions(countries: list[str]) -> dict[str, tuple[float, float]]:
    centre = SIZE / 2
    step = 2 * math.pi / max(len(countries), 1)
    return {
        country: (
            centre + RADIUS * math.cos(-math.pi / 2 + i * step),
            centre + RADIUS * math.sin(-math.pi / 2 + i * step),
        )
        for i, country in enumerate(countries)
    }


def circle_order(report: CooperationReport) -> list[str]:
    """Countries in breadth-first order from the most cooperative one, partners by weight, so
    partners sit next to each other on the circle and edges cross less."""
    partners: dict[str, list[tuple[int, str]]] = {}
    for pair in report.pairs:
        a, b = pair.countries
        partners.setdefault(a, []).append((pair.articles, b))
        partners.setdefault(b, []).append((pair.articles, a))
    order: list[str] = []
    placed: set[str] = set()
    for start in report.countries:
        if start in placed:
            continue
        queue = [start]
        placed.add(start)
        while queue:
            country = queue.pop(0)
            order.append(country)
            for _weight, partner in sorted(partners[country], key=lambda p: (-p[0], p[1])):
                if partner not in placed:
                    placed.add(partner)
                    queue.append(partner)
    return order


def network_svg(report: CooperationReport) -> str:
    weights = report.countries
    countries = circle_order(report)
    main_topics = sorted({p.main_topic for p in report.pairs}, key=lambda t: (t is None, t or ""))
    height = SIZE + LEGEND_ROW * (len(main_topics) + 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="cooperation-network" '
        f'viewBox="0 0 {SIZE} {height}" width="{SIZE}" height="{height}" '
        f'font-family="Helvetica, Arial, sans-serif" role="img">',
        "<title>Cooperation between countries</title>",
        f'<rect width="{SIZE}" height="{height}" fill="#ffffff"/>',
    ]
    if not report.pairs:
        parts.append(
            f'<text x="{SIZE / 2}" y="{SIZE / 2}" text-anchor="middle" font-size="18" '
            'fill="#555">No cooperating countries in the sink for this period.</text>'
        )
    positions = _positions(countries)
    top = max((p.articles for p in report.pairs), default=1)
    for pair in sorted(report.pairs, key=lambda p: p.articles):
        (x1, y1), (x2, y2) = positions[pair.countries[0]], positions[pair.countries[1]]
        width = 1.5 + 8 * pair.articles / top
        topics = ", ".join(f"{topic} {count}" for topic, count in pair.topics)
        parts.append(
            f'<g class="edge" data-pair="{_attr(pair.label)}" data-articles="{pair.articles}" '
            f'data-topic="{_attr(pair.main_topic or "")}">'
            f"<title>{escape(pair.label)}: {pair.articles} article(s); {escape(topics)}</title>"
            f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
            f'stroke="{topic_colour(pair.main_topic)}" stroke-width="{width:.1f}" '
            'stroke-linecap="round" stroke-opacity="0.8"/>'
            f'<text class="edge-count" x="{(x1 + x2) / 2:.1f}" y="{(y1 + y2) / 2 + 4:.1f}" '
            'text-anchor="middle" font-size="13" font-weight="bold" fill="#222" '
            f'stroke="#fff" stroke-width="3" paint-order="stroke">{pair.articles}</text></g>'
        )
    heaviest = max(weights.values(), default=1)
    centre = SIZE / 2
    for country, weight in weights.items():
        x, y = positions[country]
        r = 12 + 16 * math.sqrt(weight / heaviest)
        dx, dy = (x - centre) / RADIUS, (y - centre) / RADIUS
        lx, ly = x + dx * (r + 12), y + dy * (r + 12) + 4
        anchor = "start" if dx > 0.3 else "end" if dx < -0.3 else "middle"
        name = country_name(country)
        parts.append(
            f'<g class="node" data-country="{_attr(country)}" data-articles="{weight}">'
            f"<title>{escape(name)}: {weight} article(s)</title>"
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" fill="#f7f7f7" stroke="#333" '
            'stroke-width="1.5"/>'
            f'<text x="{x:.1f}" y="{y + 4:.1f}" text-anchor="middle" font-size="12" '
            f'font-weight="bold">{escape(country)}</text>'
            f'<text x="{lx:.1f}" y="{ly:.1f}" text-anchor="{anchor}" font-size="12" '
            f'fill="#444">{escape(name)}</text></g>'
        )
    y = SIZE + 4
    parts.append(
        f'<text x="20" y="{y}" font-size="13" font-weight="bold">Edge colour: main topic; '
        "width and number: articles</text>"
    )
    for topic in main_topics:
        y += LEGEND_ROW
        parts.append(
            f'<g class="legend" data-topic="{_attr(topic or "")}">'
            f'<rect x="20" y="{y - 12}" width="28" height="12" fill="{topic_colour(topic)}"/>'
            f'<text x="56" y="{y - 2}" font-size="12">{escape(topic or "none")}: '
            f"{escape(topic_label(topic))}</text></g>"
        )
    parts.append("</svg>")
    return "\n".join(parts)
