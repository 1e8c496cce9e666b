"""The cooperation report: grouping rules on hand-made rows, then a sink filled through the real
pipeline (producer -> broker -> worker -> SQLite) rendered as tables and an HTML page whose
network shows exactly the pairs and counts the sink holds; the same rows in PostgreSQL give
the same report."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections import Counter

import pytest
from typer.testing import CliRunner

from coopwire.cli import app
from coopwire.report import build_report
from coopwire.report.data import UNDATED, is_on_or_after, period_of, summarise
from processors.sinks.factory import open_sink
from producers.kafka_producer import ArticleProducer
from schemas import EnrichedArticle, RawArticle
from tests.conftest import SAMPLES
from tests.kafka_helpers import wait_for

SVG_NS = "{http://www.w3.org/2000/svg}"


def row(article, a, b, topics, published="2025-03-14"):
    return (article, a, b, json.dumps(topics), published)


def test_pairs_count_articles_once_and_name_their_main_topic():
    rows = [
        row("a1", "BE", "FR", ["drug_trafficking", "law_enforcement"]),
        row("a1", "BE", "FR", ["drug_trafficking", "law_enforcement"]),  # re-delivered
        row("a2", "FR", "BE", ["drug_trafficking", "money_laundering", "law_enforcement"]),
        row("a3", "BE", "FR", ["terrorism", "law_enforcement"], "2025-04-02T09:30:00+02:00"),
        # PostgreSQL hands JSONB over decoded; this article has no date.
        ("a4", "DE", "NL", ["cybercrime"], None),
    ]
    report = summarise(rows, since=None, period="month")
    (be_fr, de_nl) = report.pairs
    assert (be_fr.countries, be_fr.articles) == (("BE", "FR"), 3)
    assert be_fr.main_topic == "drug_trafficking"
    assert dict(be_fr.topics) == {
        "drug_trafficking": 2,
        "law_enforcement": 3,
        "money_laundering": 1,
        "terrorism": 1,
    }
    assert (de_nl.countries, de_nl.articles, de_nl.main_topic) == (("DE", "NL"), 1, "cybercrime")
    assert report.countries == {"BE": 3, "FR": 3, "DE": 1, "NL": 1}
    assert report.articles == 4
    assert list(report.trends) == ["2025-03", "2025-04", UNDATED]
    assert report.trends["2025-03"] == Counter(
        {"drug_trafficking": 2, "law_enforcement": 2, "money_laundering": 1}
    )


def test_since_compares_dates_on_their_common_precision():
    assert is_on_or_after("2025-03-14", "2025-03-14")
    assert not is_on_or_after("2025-03-13", "2025-03-14")
    assert is_on_or_after("2025-03", "2025-03-14")  # could be later in March
    assert is_on_or_after("2025-04-02T09:30:00+02:00", "2025-04")
    assert not is_on_or_after(None, "2025")
    assert is_on_or_after(None, None)
    rows = [row("a1", "BE", "FR", ["terrorism"], "2024-12-31"), row("a2", "BE", "FR", ["x"])]
    assert [p.articles for p in summarise(rows, since="2025", period="month").pairs] == [1]
    with pytest.raises(ValueError):
        summarise(rows, since="14/03/2025", period="month")


def test_periods_are_months_or_iso_weeks():
    assert period_of("2025-03-14", "month") == "2025-03"
    assert period_of("2025-03-14", "week") == "2025-W11"
    assert period_of("2024-12-30", "week") == "2025-W01"
    assert period_of("2025", "month") == UNDATED
    assert period_of("2025-03", "week") == UNDATED


SAMPLE_IDS = (
    "sample-fr-be-fr-police",
    "sample-nl-nl-de-cyber",
    "sample-en-uk-es-laundering",
    "sample-de-de-at-menschenhandel",
    "sample-fr-nl-ma-extradition",
    "sample-en-us-mx-fentanyl",
    "sample-nl-be-nl-drugs",
    "sample-de-de-fr-terror",
    "sample-en-be-us-war-crimes",
    "sample-fr-sport",
    "sample-en-football",
)


def cooperation_samples() -> list[RawArticle]:
    """Labelled cooperation samples, two negatives, and a follow-up of the Belgian-French story
    a month later, so one pair has two articles."""
    samples = {s["id"]: s for s in map(json.loads, SAMPLES.read_text().splitlines())}
    chosen = [samples[article_id] for article_id in SAMPLE_IDS]
    police = samples["sample-fr-be-fr-police"]
    chosen.append(
        {
            **police,
            "id": "follow-up-fr-be-fr-police",
            "url": "https://example.org/fr/police-belgo-francaise-suite",
            "published_at": "2025-04-15",
        }
    )
    return [RawArticle.model_validate(s) for s in chosen]


def svg_of(html: str, css_class: str) -> ET.Element:
    match = re.search(rf'<svg [^>]*class="{css_class}".*?</svg>', html, re.S)
    assert match, f"no {css_class} picture in the page"
    return ET.fromstring(match.group(0))


def test_report_of_a_sink_filled_through_the_pipeline(
    settings, start_worker, tmp_path, postgres_sink_url
):
    articles = cooperation_samples()
    with ArticleProducer(settings) as producer:
        assert producer.send_all(articles).sent == len(articles)
    worker = start_worker()
    sink = open_sink(settings.sink_url)

    def all_stored() -> bool:
        worker.assert_alive()
        return sink.query("SELECT COUNT(*) FROM articles")[0][0] == len(articles)

    wait_for(all_stored, timeout=240, what="every article in the sink", every=1.0)

    events = sink.query(
        "SELECT article_id, country_a, country_b, topics, published_at FROM cooperation_events"
    )
    expected_pairs = Counter(f"{a}-{b}" for _, a, b, _, _ in events)
    pair_topics: dict[str, set[str]] = {}
    first_topics: dict[str, Counter[str]] = {}
    for _, a, b, topics, _ in events:
        pair_topics.setdefault(f"{a}-{b}", set()).update(json.loads(topics))
        first_topics.setdefault(f"{a}-{b}", Counter()).update(json.loads(topics)[:1])
    assert expected_pairs, "the enrichment found no cooperating pair in cooperation samples"
    assert expected_pairs["BE-FR"] == 2, expected_pairs
    expected_countries = {c for pair in expected_pairs for c in pair.split("-")}

    out = tmp_path / "report.html"
    result = CliRunner().invoke(app, ["report", "--sink", settings.sink_url, "--out", str(out)])
    assert result.exit_code == 0, result.output
    # Both Belgian-French articles are the same story: its first topic is the pair's main one.
    ((be_fr_topic, _),) = first_topics["BE-FR"].most_common()
    assert re.search(rf"BE-FR\s*│\s*2\s*│\s*{be_fr_topic}", result.output), result.output

    html = out.read_text()
    assert "<script" not in html and not re.search(r"\s(src|href)=", html), "not self-contained"
    network = svg_of(html, "cooperation-network")
    edges = {g.get("data-pair"): g for g in network.iter(f"{SVG_NS}g") if g.get("class") == "edge"}
    assert {pair: int(g.get("data-articles")) for pair, g in edges.items()} == expected_pairs
    for pair, g in edges.items():
        assert g.get("data-topic") in pair_topics[pair]
        label = next(t for t in g.iter(f"{SVG_NS}text") if t.get("class") == "edge-count")
        assert int(label.text) == expected_pairs[pair]
    nodes = {
        g.get("data-country"): int(g.get("data-articles"))
        for g in network.iter(f"{SVG_NS}g")
        if g.get("class") == "node"
    }
    assert set(nodes) == expected_countries
    for country, weight in nodes.items():
        assert weight == sum(n for p, n in expected_pairs.items() if country in p.split("-"))
    assert edges["BE-FR"].get("data-topic") == be_fr_topic

    all_topics = set().union(*pair_topics.values())
    assert set(re.findall(r'<tr class="trend" data-topic="([^"]+)"', html)) == all_topics
    months = {published[:7] for _, _, _, _, published in events}
    trends = svg_of(html, "topic-trends")
    assert {g.get("data-period") for g in trends.iter(f"{SVG_NS}g")} - {None} == months

    since = "2025-09"
    recent = Counter(f"{a}-{b}" for _, a, b, _, p in events if p[:7] >= since)
    assert 0 < sum(recent.values()) < sum(expected_pairs.values())
    assert {p.label: p.articles for p in build_report(sink, since=since).pairs} == recent

    # The same rows in PostgreSQL (JSONB topics, its own placeholders) give the same report.
    stored = [
        EnrichedArticle.model_validate_json(payload)
        for (payload,) in sink.query("SELECT payload FROM articles")
    ]
    with open_sink(postgres_sink_url) as postgres:
        postgres.write(stored)
        from_postgres = build_report(postgres)
    from_sqlite = build_report(sink)
    assert from_postgres.pairs == from_sqlite.pairs
    assert from_postgres.trends == from_sqlite.trends
    sink.close()

    svg_out = tmp_path / "network.svg"
    result = CliRunner().invoke(
        app, ["report", "--sink", settings.sink_url, "--since", "2031", "--out", str(svg_out)]
    )
    assert result.exit_code == 0, result.output
    empty = ET.fromstring(svg_out.read_text())
    assert [g for g in empty.iter(f"{SVG_NS}g") if g.get("class") == "edge"] == []
    assert "No cooperating countries" in svg_out.read_text()


def test_report_refuses_unknown_output_and_dates(tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    bad_out = CliRunner().invoke(app, ["report", "--sink", url, "--out", str(tmp_path / "a.pdf")])
    assert bad_out.exit_code == 2 and ".html" in bad_out.output
    bad_date = CliRunner().invoke(app, ["report", "--sink", url, "--since", "March"])
    assert bad_date.exit_code == 2 and "YYYY" in bad_date.output
