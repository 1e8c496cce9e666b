"""Feeds in: RSS and Atom served by a local HTTP server, pages extracted, RawArticles sent to the
real broker, state kept across restarts, broken items reported without stopping the rest."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import orjson
import pytest
from kafka import KafkaConsumer, TopicPartition
from typer.testing import CliRunner

from coopwire.cli import app
from coopwire_core.kafka_admin import ensure_topics
from coopwire_core.settings import Settings, kafka_python_options
from producers.feed_state import SentItems
from producers.feeds import FeedPoller, ItemError, parse_feed, parse_interval
from producers.kafka_producer import ArticleProducer
from schemas import RawArticle
from tests.conftest import settings_env
from tests.kafka_helpers import read_to_end, read_topic, wait_all_committed, wait_for

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
    #: More feed documents by path, built from the site's base URL when requested.
    documents: dict[str, Callable[[str], bytes]] = field(default_factory=dict)
    #: Article pages answer only while this is set (a test clears it to hold them).
    pages_open: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.pages_open.set()

    def respond(self, path: str) -> tuple[int, str, bytes]:
        self.hits[path] = self.hits.get(path, 0) + 1
        if path in self.documents:
            return 200, "application/xml", self.documents[path](self.base)
        if path in STORIES:
            self.pages_open.wait(60)
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
    state.pages_open.set()
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


# --- Feed formats, keys and duplicates --------------------------------------------------------


def rss_091(base: str) -> bytes:
    """RSS 0.91 (Netscape): no guid, no dates; the link is the only identity an item has."""
    items = "".join(
        f"<item><title>{STORIES[path][0]}</title><link>{base}{path}</link>"
        "<description>teaser</description></item>"
        for path in ("/fr/police", "/fr/douane")
    )
    return (
        "<?xml version='1.0'?><!DOCTYPE rss PUBLIC '-//Netscape Communications//DTD RSS 0.91//EN' "
        "'http://my.netscape.com/publish/formats/rss-0.91.dtd'><rss version='0.91'><channel>"
        f"<title>Ancien</title><link>{base}/</link><description>Archives</description>"
        f"<language>fr</language>{items}</channel></rss>"
    ).encode()


def rss_10(base: str) -> bytes:
    """RSS 1.0 (RDF): items outside the channel, dates and language in Dublin Core."""
    return (
        "<?xml version='1.0'?><rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#' "
        "xmlns='http://purl.org/rss/1.0/' xmlns:dc='http://purl.org/dc/elements/1.1/'>"
        f"<channel rdf:about='{base}/'><title>RDF</title><link>{base}/</link>"
        "<description>Nieuws</description><dc:language>nl-BE</dc:language>"
        f"<items><rdf:Seq><rdf:li rdf:resource='{base}/nl/cyber'/></rdf:Seq></items></channel>"
        f"<item rdf:about='{base}/nl/cyber'><title>{STORIES['/nl/cyber'][0]}</title>"
        f"<link>{base}/nl/cyber</link><dc:date>2025-04-02T09:30:00+02:00</dc:date></item>"
        "</rdf:RDF>"
    ).encode()


def rss_listing(name: str, paths: list[str], guid_prefix: str | None) -> Callable[[str], bytes]:
    """An RSS 2.0 feed of some of the site's stories, with its own guids (or none)."""

    def build(base: str) -> bytes:
        items = "".join(
            f"<item><title>{STORIES[path][0]}</title><link>{base}{path}</link>"
            + (f"<guid isPermaLink='false'>{guid_prefix}{path}</guid>" if guid_prefix else "")
            + "</item>"
            for path in paths
        )
        return (
            "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
            f"<title>{name}</title><link>{base}/</link><description>{name}</description>"
            f"{items}</channel></rss>"
        ).encode()

    return build


def remembered(settings: Settings) -> dict[str, str]:
    """What the state file remembers: item key -> article id."""
    with closing(sqlite3.connect(settings.feed_state_path)) as db:
        return dict(db.execute("SELECT item_key, article_id FROM sent_items"))


def raw_articles(settings: Settings) -> list[tuple[bytes, RawArticle]]:
    return [
        (m["key"], RawArticle.model_validate(m["value"]))
        for m in read_to_end(settings, settings.topic_raw)
    ]


def test_rss_091_and_rss_10_feeds_are_read_and_sent(settings, tmp_path, site):
    base = "http://news.example"
    old = parse_feed("f", rss_091(base))
    assert [(i.link, i.title, i.language_hint) for i in old] == [
        (f"{base}/fr/police", STORIES["/fr/police"][0], "fr"),
        (f"{base}/fr/douane", STORIES["/fr/douane"][0], "fr"),
    ]
    rdf = parse_feed("f", rss_10(base))
    assert [(i.link, i.title, i.language_hint, i.published_at) for i in rdf] == [
        (f"{base}/nl/cyber", STORIES["/nl/cyber"][0], "nl", "2025-04-02T07:30:00Z")
    ]

    settings = feed_settings(settings, tmp_path)
    site.documents.update({"/rss091.xml": rss_091, "/rss10.xml": rss_10})
    report = poll(settings, [f"{site.base}/rss091.xml", f"{site.base}/rss10.xml"])
    assert report.errors == [] and report.not_delivered == [] and len(report.sent) == 3
    sent = {article.url: article for _key, article in raw_articles(settings)}
    assert set(sent) == {f"{site.base}{p}" for p in ("/fr/police", "/fr/douane", "/nl/cyber")}
    for path in ("/fr/police", "/fr/douane", "/nl/cyber"):
        article = sent[f"{site.base}{path}"]
        assert article.title == STORIES[path][0]
        assert STORIES[path][1].split(". ")[0] in article.text
        assert article.language_hint == path[1:3]
    assert sent[f"{site.base}/nl/cyber"].published_at == "2025-04-02T07:30:00Z"


def test_a_feed_without_guids_remembers_its_items_by_link(settings, tmp_path, site):
    settings = feed_settings(settings, tmp_path)
    paths = ["/fr/police", "/fr/douane", "/nl/cyber"]
    site.documents["/noguid.xml"] = rss_listing("Sans guid", paths, guid_prefix=None)
    feed = f"{site.base}/noguid.xml"

    assert [i.key for i in parse_feed(feed, site.documents["/noguid.xml"](site.base))] == [
        f"{site.base}{p}" for p in paths
    ]
    first = poll(settings, [feed])
    assert len(first.sent) == 3 and first.errors == []
    assert set(remembered(settings)) == {f"{site.base}{p}" for p in paths}
    again = poll(settings, [feed])
    assert again.sent == [] and again.already_sent == 3
    assert len(read_to_end(settings, settings.topic_raw)) == 3


def test_a_story_listed_by_two_feeds_is_sent_once(settings, tmp_path, site):
    settings = feed_settings(settings, tmp_path)
    # Three feeds list /fr/police under three different guids.
    site.documents.update(
        {
            "/a.xml": rss_listing("A", ["/fr/police", "/fr/douane"], guid_prefix="a-"),
            "/b.xml": rss_listing("B", ["/nl/cyber", "/fr/police"], guid_prefix="b-"),
            "/c.xml": rss_listing("C", ["/fr/police"], guid_prefix="c-"),
        }
    )
    # In one poll, two feeds list it.
    first = poll(settings, [f"{site.base}/a.xml", f"{site.base}/b.xml"])
    assert len(first.sent) == 3 and first.errors == []
    messages = raw_articles(settings)
    assert sorted(a.url for _k, a in messages) == sorted(
        f"{site.base}{p}" for p in ("/fr/police", "/fr/douane", "/nl/cyber")
    )
    # A later poll finds it in a third feed: already sent, by its article id.
    later = poll(settings, [f"{site.base}/c.xml"])
    assert later.sent == [] and later.already_sent == 1
    assert len(read_to_end(settings, settings.topic_raw)) == 3


# --- Remembered only after Kafka confirmed ------------------------------------------------------


def test_a_poll_with_the_broker_stopped_exits_2_remembers_nothing_and_the_next_sends_them(
    own_broker, tmp_path, site
):
    """The broker goes away while the poll fetches pages: nothing is confirmed, so nothing is
    remembered and ``--once`` exits 2; the next poll, with the broker back, sends exactly those
    items, once."""
    tag = uuid.uuid4().hex[:8]
    settings = Settings(
        kafka_bootstrap_servers=own_broker.bootstrap_servers,
        topic_raw=f"f{tag}.articles.raw",
        topic_enriched=f"f{tag}.articles.enriched",
        topic_dlq=f"f{tag}.articles.dlq",
        topic_events=f"f{tag}.cooperation.events",
        topic_partitions=2,
        data_dir=tmp_path / "data",
        feed_state_path=tmp_path / "feeds.sqlite3",
        feed_timeout_s=30.0,
        producer_delivery_timeout_s=5.0,
    )
    ensure_topics(settings)
    paths = ["/fr/police", "/nl/cyber"]
    site.documents["/two.xml"] = rss_listing("Deux", paths, guid_prefix="two-")
    env = {**os.environ, **settings_env(settings)}
    command = [sys.executable, "-m", "coopwire.cli", "produce", "--feed"]
    command += [f"{site.base}/two.xml", "--once"]

    site.pages_open.clear()  # the poll waits for its pages while the broker is stopped
    log_path = tmp_path / "poll-1.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: site.hits.get("/fr/police", 0) > 0, 90, "the poll to fetch a page")
        own_broker.stop()
        site.pages_open.set()
        code = proc.wait(timeout=120)
    finally:
        site.pages_open.set()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    output = " ".join(log_path.read_text().split())
    assert code == 2, output[-2000:]
    assert "sent 0," in output and "failed 2" in output, output[-2000:]
    assert output.count("not delivered") == 2, output[-2000:]
    assert remembered(settings) == {}

    own_broker.start(timeout=180)
    second = subprocess.run(command, env=env, capture_output=True, timeout=180, check=False)
    output = " ".join(second.stderr.decode().split())
    assert second.returncode == 0, output[-2000:]
    assert "sent 2, already sent 0" in output, output[-2000:]
    messages = raw_articles(settings)
    assert sorted(a.url for _key, a in messages) == sorted(f"{site.base}{p}" for p in paths)
    assert {key.decode() for key, _a in messages} == set(remembered(settings).values())
    assert set(remembered(settings)) == {f"two-{p}" for p in paths}


# --- One article, one key, one row ----------------------------------------------------------


def test_id_less_and_same_url_articles_from_jsonl_and_a_feed_give_one_key_and_one_row(
    settings, tmp_path, site, start_worker
):
    """An article without ``id`` sent twice, and a URL sent from a JSONL file and then found in
    a feed: two keys on every topic, two rows in the sink, the later version of each kept."""
    settings = feed_settings(settings, tmp_path)
    url = f"{site.base}/fr/police"
    id_less = {"title": "Saisie au port", "text": "Les douanes belges saisissent de la cocaïne."}
    from_jsonl = {"url": url, "title": "Version JSONL", "text": "La police belge et française."}
    lines = [id_less, id_less, from_jsonl]
    path = tmp_path / "articles.jsonl"
    path.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in lines))
    env = settings_env(settings)
    produced = CliRunner().invoke(app, ["produce", str(path)], env=env)
    assert produced.exit_code == 0, produced.output
    site.documents["/one.xml"] = rss_listing("Un", ["/fr/police"], guid_prefix="one-")
    report = poll(settings, [f"{site.base}/one.xml"])
    assert len(report.sent) == 1 and report.errors == []

    raw = read_to_end(settings, settings.topic_raw)
    assert len(raw) == 4
    keys_by_url: dict[str | None, set[bytes]] = {}
    for message in raw:
        keys_by_url.setdefault(message["value"].get("url"), set()).add(message["key"])
    assert keys_by_url.keys() == {None, url}
    assert all(len(keys) == 1 for keys in keys_by_url.values()), keys_by_url
    (id_less_key,), (url_key,) = keys_by_url[None], keys_by_url[url]
    assert id_less_key != url_key

    worker = start_worker()
    wait_all_committed(settings, settings.topic_raw, settings.app_id, workers=[worker])
    enriched = read_to_end(settings, settings.topic_enriched)
    assert sorted(m["key"] for m in enriched) == sorted(m["key"] for m in raw)
    with closing(sqlite3.connect(settings.sink_url.removeprefix("sqlite:///"))) as db:
        rows = dict(db.execute("SELECT id, title FROM articles"))
    assert rows == {
        id_less_key.decode(): id_less["title"],
        url_key.decode(): STORIES["/fr/police"][0],  # the feed's, sent last
    }
