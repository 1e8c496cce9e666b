"""Both sinks against real databases: a SQLite file and a real PostgreSQL server.

Writes are idempotent upserts keyed by article id; the schema is versioned; an outage is
``SinkUnavailable`` (retry), data the database refuses for good is ``SinkRejected``.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from processors.sinks import Sink, SinkRejected, SinkUnavailable
from processors.sinks.factory import open_sink
from schemas import (
    Cooperation,
    CooperationPair,
    EnrichedArticle,
    Entity,
    Language,
    Processing,
)
from tests.postgres_server import create_database


def article(
    article_id: str,
    *,
    title: str = "Titre",
    persons: tuple[str, ...] = ("A B",),
    text: str = "La police belge et la police française.",
) -> EnrichedArticle:
    return EnrichedArticle(
        id=article_id,
        title=title,
        text=text,
        language=Language(code="fr", confidence=0.99),
        entities=[Entity(text=p, type="PERSON", canonical=p, count=1) for p in persons]
        + [Entity(text="Belgique", type="LOC", canonical="Belgique", country="BE", count=2)],
        countries=["BE", "FR"],
        cooperation=Cooperation(
            score=0.8, pairs=[CooperationPair(countries=("FR", "BE"), topics=["police"])]
        ),
        processing=Processing(
            pipeline_version="test", processed_at=datetime.now(UTC), duration_ms=1.0
        ),
    )


@pytest.fixture(params=["sqlite", "postgresql"])
def sink_url(request: pytest.FixtureRequest, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'sink.db'}"
    return request.getfixturevalue("postgres_sink_url")


@pytest.fixture
def sink(sink_url: str) -> Iterator[Sink]:
    with open_sink(sink_url) as opened:
        yield opened


def counts(sink: Sink) -> tuple[int, int, int]:
    return tuple(  # type: ignore[return-value]
        sink.query(f"SELECT count(*) FROM {table}")[0][0]
        for table in ("articles", "entities", "cooperation_events")
    )


def test_the_same_article_twice_is_one_row_with_the_latest_content(sink: Sink):
    sink.write([article("a1", title="v1", persons=("Jean Dupont", "Marie Curie"))])
    sink.write([article("a1", title="v2", persons=("Jean Dupont",)), article("a2")])
    sink.write([article("a2"), article("a2")])

    assert counts(sink) == (2, 4, 2)
    assert sink.query("SELECT title FROM articles WHERE id = 'a1'") == [("v2",)]
    persons = sink.query(
        "SELECT canonical FROM entities WHERE article_id = 'a1' AND type = 'PERSON'"
    )
    assert persons == [("Jean Dupont",)]
    assert sink.query("SELECT event_id FROM cooperation_events ORDER BY event_id") == [
        ("a1:BE-FR",),
        ("a2:BE-FR",),
    ]


def test_schema_is_versioned_and_reopening_migrates_nothing(sink_url: str):
    with open_sink(sink_url) as first:
        first.write([article("a1")])
        assert first.schema_version() == 2  # type: ignore[attr-defined]
    with open_sink(sink_url) as again:
        assert again.schema_version() == 2  # type: ignore[attr-defined]
        versions = again.query("SELECT version FROM coopwire_schema_version ORDER BY version")
        assert versions == [(1,), (2,)]
        assert counts(again) == (1, 2, 1)


def test_postgresql_refuses_a_nul_character_for_good(postgres_sink_url: str):
    with open_sink(postgres_sink_url) as sink:
        with pytest.raises(SinkRejected):
            sink.write([article("nul", text="La police\x00 belge.")])
        sink.write([article("fine")])  # the connection is still usable
        assert counts(sink)[0] == 1


def test_postgresql_outage_is_unavailable_then_the_sink_reconnects(stoppable_postgres):
    url = create_database(stoppable_postgres.url, "sink_outage")
    with open_sink(url, connect_timeout_s=2) as sink:
        sink.write([article("before")])
        stoppable_postgres.stop()
        try:
            with pytest.raises(SinkUnavailable):
                sink.write([article("during")])
            with pytest.raises(SinkUnavailable):  # reconnecting fails while it is down
                sink.write([article("during")])
            assert not sink.ping()
        finally:
            stoppable_postgres.start()
        sink.write([article("during"), article("after")])
        assert sink.query("SELECT id FROM articles ORDER BY id") == [
            ("after",),
            ("before",),
            ("during",),
        ]


def test_a_postgresql_sink_opened_while_the_server_is_down_waits_for_it(stoppable_postgres):
    url = create_database(stoppable_postgres.url, "sink_late")
    stoppable_postgres.stop()
    try:
        sink = open_sink(url, connect_timeout_s=2)  # does not raise: it connects on write
        with pytest.raises(SinkUnavailable, match="cannot connect"):
            sink.write([article("x")])
    finally:
        stoppable_postgres.start()
    sink.write([article("x")])
    assert sink.schema_version() == 2  # type: ignore[attr-defined]
    sink.close()


def test_postgresql_writers_starting_together_migrate_once_and_upsert_without_deadlock(
    postgres_sink_url: str,
):
    """Several writers open one fresh database at the same moment (the advisory lock lets one
    migrate, the others find the schema done), then write overlapping batches in clashing
    orders: no error, no deadlock, one row per article."""
    writers, rounds = 6, 15
    ids = [f"a{i:02d}" for i in range(40)]
    start = threading.Barrier(writers)
    failures: list[BaseException] = []
    sinks: list[Sink] = []

    def writer(n: int) -> None:
        try:
            start.wait(timeout=60)
            sink = open_sink(postgres_sink_url)
            sinks.append(sink)
            order = random.Random(n)
            for _ in range(rounds):
                batch = order.sample(ids, 30)
                sink.write([article(i, title=f"w{n}") for i in batch])
        except BaseException as exc:  # reported by the assertion below
            failures.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    try:
        assert failures == [], failures
        sink = sinks[0]
        versions = sink.query("SELECT version FROM coopwire_schema_version ORDER BY version")
        assert versions == [(1,), (2,)]
        assert sink.query("SELECT count(*), count(DISTINCT id) FROM articles") == [(40, 40)]
        assert counts(sink) == (40, 80, 40)
    finally:
        for opened in sinks:
            opened.close()


def _open_sqlite_at_once(path: str, barrier, results) -> None:
    barrier.wait()
    try:
        with open_sink(f"sqlite:///{path}") as sink:
            results.put(("ok", sink.schema_version()))
    except Exception as error:  # the test reports whatever went wrong
        results.put(("error", repr(error)))


def test_sqlite_writers_opening_a_fresh_file_together_migrate_once(tmp_path):
    """Workers started together open one new SQLite file at the same moment: none fails (no
    'database is locked' from the switch to WAL, no second insert of version 1)."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    for round_ in range(4):
        path = tmp_path / f"fresh-{round_}.db"
        barrier = context.Barrier(4)
        results = context.Queue()
        processes = [
            context.Process(target=_open_sqlite_at_once, args=(str(path), barrier, results))
            for _ in range(4)
        ]
        for process in processes:
            process.start()
        outcomes = [results.get(timeout=120) for _ in processes]
        for process in processes:
            process.join(30)
        assert all(kind == "ok" for kind, _ in outcomes), outcomes
        with open_sink(f"sqlite:///{path}") as sink:
            assert sink.schema_version() == max(version for _, version in outcomes)
