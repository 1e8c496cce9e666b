"""Feeds in: RSS and Atom served by a local HTTP server, pages extracted, RawArticles sent to the
real broker, state kept across restarts, broken items reported without stopping the rest."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from kafka import KafkaConsumer, TopicPartition
from typer.testing import CliRunner

from coopwire.cli import app
from coopwire_core.settings import Settings, kafka_python_options
from producers.feed_state import SentItems
from producers.feeds import FeedPoller, ItemError, parse_feed, parse_interval
from producers.kafka_producer import ArticleProducer
from schemas import RawArticle
from tests.conftest import settings_env
from tests.kafka_helpers import read_topic, wait_for

BOILERPLATE = "Accueil | Politique | Sport | Newsletter"
FOOTER = "Tous droits réservés, Exemple Presse 2025"

STORIES = {
    "/fr/police": (
        "Police belge et française contre la cocaïne",
        "La France et la Belgique créent une équipe commune d'enquête contre le trafic de "
        "cocaïne. Les deux pays échangeront en temps réel les informations sur les véhicules "
        "suspects. Europol coordonnera les analyses des deux polices.",
    ),
    "/fr/douane": (
        "Douanes: saisie record au port",
        "Les douanes françaises et espagnoles ont saisi trois tonnes de résine de cannabis au "
        "port de Marseille. L'enquête conjointe a duré huit mois et a mobilisé deux cents agents "
        "des deux pays.",
    ),
    "/nl/cyber": (
        "Nederland en Duitsland tegen ransomware",
        "De Nederlandse en Duitse politie hebben samen een ransomwarebende opgerold. Het "
        "onderzoek werd gecoördineerd door Europol en Eurojust. Er werden vier verdachten "
        "aangehouden in Utrecht en Keulen.",
    ),
    "/nl/haven": (
        "Havenbeveiliging Rotterdam",
        "Rotterdam en Antwerpen delen voortaan camerabeelden van containers. De havens willen "
        "zo de smokkel van cocaïne beter bestrijden, zeggen de burgemeesters in een gezamenlijke "
        "verklaring.",
    ),
}


def page(title: str, body: str) -> bytes:
    paragraphs = "".join(f"<p>{sentence.strip()}.</p>" for sentence in body.split(". "))
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title></head><body>"
        f"<nav><a href='/'>{BOILERPLATE}</a></nav><main><article><h1>{title}</h1>"
        f"{paragraphs}</article></main><footer>{FOOTER}</footer></body></html>"
    ).encode()


def rss(base: str) -> bytes:
    items = "".join(
        f"<item><title>{STORIES[path][0]}</title><link>{base}{path}</link>"
        f"<guid isPermaLink='false'>rss-{path}</guid>"
        f"<pubDate>Mon, 1{n} Mar 2025 08:00:00 +0100</pubDate><description>teaser</description>"
        "</item>"
        for n, path in enumerate(["/fr/police", "/fr/douane"])
    )
    broken = (
        f"<item><title>Lien mort</title><link>{base}/fr/disparu</link>"
        "<guid>rss-disparu</guid></item>"
    )
    return (
        "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
        f"<title>Exemple FR</title><link>{base}/fr</link><language>fr-FR</language>"
        f"<description>Actualités</description>{items}{broken}</channel></rss>"
    ).encode()


def atom(base: str) -> bytes:
    entries = "".join(
        f"<entry><title>{STORIES[path][0]}</title><link rel='alternate' href='{base}{path}'/>"
        f"<id>urn:example:{path}</id><updated>2025-04-0{n + 1}T09:30:00+02:00</updated>"
        "<summary>teaser</summary></entry>"
        for n, path in enumerate(["/nl/cyber", "/nl/haven"])
    )
    empty = (
        f"<entry><title>Alleen een foto</title><link rel='alternate' href='{base}/nl/leeg'/>"
        "<id>urn:example:leeg</id><updated>2025-04-05T10:00:00Z</updated></entry>"
    )
    slow = (
        f"<entry><title>Trage pagina</title><link rel='alternate' href='{base}/nl/traag'/>"
        "<id>urn:example:traag</id><updated>2025-04-06T10:00:00Z</updated></entry>"
    )
    return (
        "<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/Atom' "
        "xml:lang='nl'><title>Voorbeeld NL</title><id>urn:example:nl</id>"
        f"<updated>2025-04-06T10:00:00Z</updated>{entries}{empty}{slow}</feed>"
    ).encode()


@dataclass
class FeedSite:
    """A small news site: an RSS feed, an Atom feed and article pages. ``missing`` paths answer
    404 until they are published; ``/nl/traag`` answers only after the client gave up."""

    base: str = ""
    missing: set[str] = field(default_factory=lambda: {"/fr/disparu"})
    release: threading.Event = field(default_factory=threading.Event)
    hits: dict[str, int] = field(default_factory=dict)

    def respond(self, path: str) -> tuple[int, str, bytes]:
        self.hits[path] = self.hits.get(path, 0) + 1
        if path == "/rss.xml":
            return 200, "application/rss+xml", rss(self.base)
        if path == "/atom.xml":
            return 200, "application/atom+xml", atom(self.base)
        if path in STORIES:
            return 200, "text/html; charset=utf-8", page(*STORIES[path])
        if path == "/fr/disparu" and path not in self.missing:
            return 200, "text/html; charset=utf-8", page("Retrouvé", STORIES["/fr/police"][1])
        if path == "/nl/leeg":
            return 200, "text/html", b"<html><body><img src='/foto.jpg'></body></html>"
        if path == "/nl/traag":
            self.release.wait(10)
            return 200, "text/html", page("Traag", STORIES["/nl/haven"][1])
        return 404, "text/plain", b"not found"


@pytest.fixture
def site() -> Iterator[FeedSite]:
    state = FeedSite()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, content_type, body = state.respond(self.path)
            try:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client timed out first; that is the point of /nl/traag

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    state.release.set()
    server.shutdown()
    server.server_close()


def feed_settings(settings: Settings, tmp_path: Path) -> Settings:
    return settings.model_copy(
        update={"feed_state_path": tmp_path / "feeds.sqlite3", "feed_timeout_s": 2.0}
    )


def topic_size(settings: Settings, topic: str) -> int:
    consumer = KafkaConsumer(**kafka_python_options(settings), group_id=None)
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        return sum(consumer.end_offsets(partitions).values())
    finally:
        consumer.close()


def poll(settings: Settings, feeds: list[str], errors: list[ItemError] | None = None):
    with (
        ArticleProducer(settings) as producer,
        SentItems(settings.feed_state_path) as state,
    ):
        poller = FeedPoller(
            settings, feeds, producer, state, on_error=None if errors is None else errors.append
        )
        return poller.poll_once()


def test_intervals_are_read_with_units():
    assert parse_interval("90") == 90
    assert parse_interval("30s") == 30
    assert parse_interval("5m") == 300
    assert parse_interval("1.5h") == 5400
    for bad in ("", "5x", "-1m", "0"):
        with pytest.raises(ValueError):
            parse_interval(bad)


def test_rss_and_atom_items_carry_link_guid_date_and_language():
    base = "http://news.example"
    rss_items = parse_feed("f", rss(base))
    assert [i.link for i in rss_items] == [
        f"{base}/fr/police",
        f"{base}/fr/douane",
        f"{base}/fr/disparu",
    ]
    assert rss_items[0].key == "rss-/fr/police"
    assert rss_items[0].published_at == "2025-03-10T07:00:00Z"
    assert rss_items[0].language_hint == "fr"
    atom_items = parse_feed("f", atom(base))
    assert atom_items[0].key == "urn:example:/nl/cyber"
    assert atom_items[0].published_at == "2025-04-01T07:30:00Z"
    assert atom_items[0].language_hint == "nl"
    assert atom_items[0].title == STORIES["/nl/cyber"][0]


def test_feeds_are_sent_once_across_restarts_and_broken_items_do_not_stop_the_rest(
    settings, tmp_path, site
):
    settings = feed_settings(settings, tmp_path)
    feeds = [f"{site.base}/rss.xml", f"{site.base}/atom.xml"]

    errors: list[ItemError] = []
    first = poll(settings, feeds, errors)

    assert first.not_delivered == []
    failures = {e.item.rsplit("/", 1)[-1]: e.reason for e in first.errors}
    assert set(failures) == {"disparu", "leeg", "traag"}, first.errors
    assert "404" in failures["disparu"]
    assert "no text" in failures["leeg"]
    assert "timed out" in failures["traag"]
    assert errors == first.errors
    assert len(first.sent) == 4

    messages = read_topic(settings, settings.topic_raw, until=lambda m: len(m) >= 4, timeout=60)
    articles = {a.url: a for a in (RawArticle.model_validate(m["value"]) for m in messages)}
    assert set(articles) == {f"{site.base}{path}" for path in STORIES}
    for path, (title, body) in STORIES.items():
        article = articles[f"{site.base}{path}"]
        assert article.title == title
        assert body.split(". ")[0] in article.text
        assert BOILERPLATE not in article.text and FOOTER not in article.text
        assert not article.text.startswith(title), "the headline is the title, not the text"
        assert article.source == "127.0.0.1"
        assert article.language_hint == path[1:3]
        assert article.id.encode() in {m["key"] for m in messages}
    assert articles[f"{site.base}/fr/police"].published_at == "2025-03-10T07:00:00Z"

    # A restart (new producer, state reopened from its file): nothing is re-sent.
    second = poll(settings, feeds)
    assert second.sent == [] and second.already_sent == 4
    assert topic_size(settings, settings.topic_raw) == 4
    page_hits = site.hits["/fr/police"]

    # The dead link comes back: the failed item was not remembered, so it is sent now.
    site.missing.clear()
    third = poll(settings, feeds)
    assert len(third.sent) == 1 and third.already_sent == 4
    assert topic_size(settings, settings.topic_raw) == 5
    assert site.hits["/fr/police"] == page_hits, "sent pages must not be fetched again"


def test_produce_feed_once_from_the_command_line(settings, tmp_path, site):
    settings = feed_settings(settings, tmp_path)
    env = settings_env(settings)
    result = CliRunner().invoke(
        app, ["produce", "--feed", f"{site.base}/rss.xml", "--once"], env=env
    )
    # One dead link: reported, the other two items sent, exit code 1 like rejected lines.
    assert result.exit_code == 1, result.output
    assert "HTTP 404" in result.output
    assert "sent 2" in result.output
    assert topic_size(settings, settings.topic_raw) == 2

    again = CliRunner().invoke(
        app, ["produce", "--feed", f"{site.base}/rss.xml", "--once"], env=env
    )
    assert "sent 0" in again.output and "already sent 2" in again.output
    assert topic_size(settings, settings.topic_raw) == 2


def test_polling_loop_picks_up_new_items_and_stops_on_sigterm(settings, tmp_path, site):
    settings = feed_settings(settings, tmp_path)
    env = {**os.environ, **settings_env(settings)}
    command = [sys.executable, "-m", "coopwire.cli", "produce", "--feed"]
    bad = subprocess.run([*command, f"{site.base}/rss.xml", "--every", "5x"], env=env, check=False)
    assert bad.returncode == 2

    log_path = tmp_path / "feeds.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [*command, f"{site.base}/rss.xml", "--every", "1s"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for(lambda: topic_size(settings, settings.topic_raw) == 2, 90, "the first poll")
        site.missing.clear()  # the dead link is published: a later poll must send it
        wait_for(lambda: topic_size(settings, settings.topic_raw) == 3, 90, "a later poll")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0, log_path.read_text()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    output = log_path.read_text()
    assert "HTTP 404" in output and "sent 1, already sent 2" in " ".join(output.split())
    assert topic_size(settings, settings.topic_raw) == 3
