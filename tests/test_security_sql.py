"""Hostile text reaches both sinks as data, never as SQL: values are always bound parameters.
Article ids, titles and entity names below would break or rewrite a query built by string
formatting; on real SQLite and PostgreSQL they come back byte for byte and no table is touched."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from processors.sinks import Sink
from processors.sinks.factory import open_sink
from tests.test_sinks import article

HOSTILE = [
    "x'); DROP TABLE articles; --",
    "'; DELETE FROM entities WHERE '1'='1",
    '"quoted" %s %(name)s {0} ? $1 :name',
    "back\\slash' OR 1=1 --",
]


@pytest.fixture(params=["sqlite", "postgresql"])
def hostile_sink(request: pytest.FixtureRequest, tmp_path) -> Iterator[Sink]:
    url = (
        f"sqlite:///{tmp_path / 'sink.db'}"
        if request.param == "sqlite"
        else request.getfixturevalue("postgres_sink_url")
    )
    with open_sink(url) as sink:
        yield sink


def test_hostile_values_are_stored_verbatim(hostile_sink: Sink) -> None:
    batch = [
        article(value, title=value, persons=(value,), text=f"{value} La police belge.")
        for value in HOSTILE
    ]
    hostile_sink.write(batch)
    hostile_sink.write(batch)  # the upsert path too

    marker = "?" if type(hostile_sink).__name__.startswith("SQLite") else "%s"
    for value in HOSTILE:
        rows = hostile_sink.query(f"SELECT id, title FROM articles WHERE id = {marker}", [value])
        assert rows == [(value, value)]
        persons = hostile_sink.query(
            f"SELECT canonical FROM entities WHERE article_id = {marker} AND type = 'PERSON'",
            [value],
        )
        assert persons == [(value,)]
    assert hostile_sink.query("SELECT count(*) FROM articles")[0][0] == len(HOSTILE)
    assert hostile_sink.query("SELECT count(*) FROM entities")[0][0] == 2 * len(HOSTILE)
