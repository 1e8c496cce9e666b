"""The embedded SQLite sink: one file, WAL mode so reports can read while the worker writes."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

from processors.sinks.base import (
    ARTICLE_COLUMNS,
    ENTITY_COLUMNS,
    EVENT_COLUMNS,
    Sink,
    SinkUnavailable,
    rows_for,
)
from schemas import EnrichedArticle

SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY,
    title TEXT, url TEXT, source TEXT, published_at TEXT,
    language TEXT NOT NULL, language_confidence REAL NOT NULL,
    countries TEXT NOT NULL, cooperation_score REAL NOT NULL,
    pipeline_version TEXT NOT NULL, processed_at TEXT NOT NULL,
    payload TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS entities (
    article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    type TEXT NOT NULL, canonical TEXT NOT NULL, text TEXT NOT NULL,
    country TEXT, count INTEGER NOT NULL,
    PRIMARY KEY (article_id, type, canonical)
);
CREATE TABLE IF NOT EXISTS cooperation_events (
    event_id TEXT PRIMARY KEY,
    article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    country_a TEXT NOT NULL, country_b TEXT NOT NULL,
    topics TEXT NOT NULL, score REAL NOT NULL, evidence TEXT NOT NULL,
    published_at TEXT, processed_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS cooperation_events_pair ON cooperation_events (country_a, country_b);
CREATE INDEX IF NOT EXISTS cooperation_events_article ON cooperation_events (article_id);
"""


def _placeholders(columns: str) -> str:
    return ", ".join("?" for _ in columns.split(","))


class SQLiteSink(Sink):
    def __init__(self, url: str) -> None:
        self.url = url
        self.path = Path(url.removeprefix("sqlite:///"))
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA foreign_keys=ON")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.executescript(SCHEMA)
        self._conn.commit()

    def write(self, batch: Sequence[EnrichedArticle]) -> None:
        if not batch:
            return
        rows = rows_for(batch)
        ids = [(article_id,) for article_id in rows.article_ids]
        try:
            with self._conn:
                self._conn.executemany("DELETE FROM entities WHERE article_id = ?", ids)
                self._conn.executemany("DELETE FROM cooperation_events WHERE article_id = ?", ids)
                self._conn.executemany(
                    f"INSERT INTO articles ({ARTICLE_COLUMNS}) VALUES "
                    f"({_placeholders(ARTICLE_COLUMNS)}) ON CONFLICT (id) DO UPDATE SET "
                    + ", ".join(
                        f"{c.strip()} = excluded.{c.strip()}"
                        for c in ARTICLE_COLUMNS.split(",")[1:]
                    ),
                    rows.articles,
                )
                self._conn.executemany(
                    f"INSERT INTO entities ({ENTITY_COLUMNS}) VALUES "
                    f"({_placeholders(ENTITY_COLUMNS)})",
                    rows.entities,
                )
                self._conn.executemany(
                    f"INSERT INTO cooperation_events ({EVENT_COLUMNS}) VALUES "
                    f"({_placeholders(EVENT_COLUMNS)})",
                    rows.events,
                )
        except sqlite3.OperationalError as exc:
            raise SinkUnavailable(f"SQLite {self.path}: {exc}") from exc

    def ping(self) -> bool:
        try:
            self._conn.execute("SELECT 1").fetchone()
            return True
        except sqlite3.Error:
            return False

    def query(self, sql: str, params: Sequence[object] = ()) -> list[tuple]:
        return list(self._conn.execute(sql, tuple(params)).fetchall())

    def close(self) -> None:
        self._conn.close()
