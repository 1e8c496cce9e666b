"""The embedded SQLite sink: one file, WAL mode so reports can read while the worker writes.

Writers take the database lock at the start of each transaction (``BEGIN IMMEDIATE``), so two
workers sharing one file wait for each other instead of failing; the schema is versioned in
``coopwire_schema_version`` like the PostgreSQL one.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path

from processors.sinks.base import (
    ARTICLE_COLUMNS,
    ENTITY_COLUMNS,
    EVENT_COLUMNS,
    Rows,
    Sink,
    SinkRejected,
    SinkUnavailable,
)

MIGRATION_1 = """
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
MIGRATION_2 = """
CREATE INDEX IF NOT EXISTS entities_canonical ON entities (type, canonical);
"""
#: Ordered migrations: (version, what it does, SQL). Applied ones are never edited; add more.
MIGRATIONS: list[tuple[int, str, str]] = [
    (1, "articles, entities and cooperation events", MIGRATION_1),
    (2, "indexes for pair and per-article queries", MIGRATION_2),
]
SCHEMA_VERSION = MIGRATIONS[-1][0]


def _placeholders(columns: str) -> str:
    return ", ".join("?" for _ in columns.split(","))


class SQLiteSink(Sink):
    def __init__(self, url: str) -> None:
        self.url = url
        self.path = Path(url.removeprefix("sqlite:///"))
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(
            self.path, timeout=30, check_same_thread=False, isolation_level="IMMEDIATE"
        )
        self._wal()
        self._conn.execute("PRAGMA foreign_keys=ON")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._migrate()

    def _wal(self) -> None:
        """Switching a fresh file to WAL takes a lock that SQLite's busy timeout does not wait
        for: writers opening the file together retry it instead of failing."""
        for attempt in range(100):
            try:
                self._conn.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or attempt == 99:
                    raise
                time.sleep(0.05)

    def _migrate(self) -> None:
        with self._conn:
            # The whole migration under the write lock: sqlite3 opens its implicit transaction
            # only before a write, so two workers opening a fresh file together would both
            # read version 0 and both insert version 1.
            self._conn.execute("BEGIN IMMEDIATE")
            self._conn.execute(
                "CREATE TABLE IF NOT EXISTS coopwire_schema_version ("
                " version INTEGER PRIMARY KEY, description TEXT NOT NULL,"
                " applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)"
            )
            row = self._conn.execute(
                "SELECT coalesce(max(version), 0) FROM coopwire_schema_version"
            ).fetchone()
            for version, description, sql in MIGRATIONS:
                if version <= row[0]:
                    continue
                for statement in filter(str.strip, sql.split(";")):
                    self._conn.execute(statement)
                self._conn.execute(
                    "INSERT INTO coopwire_schema_version (version, description) VALUES (?, ?)",
                    (version, description),
                )

    def schema_version(self) -> int:
        row = self._conn.execute("SELECT max(version) FROM coopwire_schema_version").fetchone()
        return int(row[0] or 0)

    def write_rows(self, rows: Rows) -> None:
        if not rows.article_ids:
            return
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
        except sqlite3.IntegrityError as exc:
            raise SinkRejected(f"SQLite refused the batch: {exc}") from exc

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
