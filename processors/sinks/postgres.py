"""The PostgreSQL sink (psycopg 3): batched, idempotent upserts keyed by article id.

The connection is opened lazily and re-opened after it is lost, so a worker started before the
database, or a database restarted under a running worker, only costs retries: every connection
problem is raised as ``SinkUnavailable`` and the caller waits with backoff. Data PostgreSQL
refuses for good (a NUL character in text, say) is raised as ``SinkRejected`` instead.

The schema is created or migrated on the first connection, under an advisory lock so workers
starting together do not race, and recorded in ``coopwire_schema_version``.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Sequence

import psycopg

from processors.sinks.base import (
    ARTICLE_COLUMNS,
    ENTITY_COLUMNS,
    EVENT_COLUMNS,
    Rows,
    Sink,
    SinkRejected,
    SinkUnavailable,
)

log = logging.getLogger("coopwire.sink")

#: Ordered migrations: (version, what it does, SQL). Applied ones are never edited; add more.
MIGRATIONS: list[tuple[int, str, str]] = [
    (
        1,
        "articles, entities and cooperation events",
        """
        CREATE TABLE articles (
            id TEXT PRIMARY KEY,
            title TEXT, url TEXT, source TEXT, published_at TEXT,
            language TEXT NOT NULL, language_confidence DOUBLE PRECISION NOT NULL,
            countries JSONB NOT NULL, cooperation_score DOUBLE PRECISION NOT NULL,
            pipeline_version TEXT NOT NULL, processed_at TIMESTAMPTZ NOT NULL,
            payload JSONB NOT NULL
        );
        CREATE TABLE entities (
            article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            type TEXT NOT NULL, canonical TEXT NOT NULL, text TEXT NOT NULL,
            country TEXT, count INTEGER NOT NULL,
            PRIMARY KEY (article_id, type, canonical)
        );
        CREATE TABLE cooperation_events (
            event_id TEXT PRIMARY KEY,
            article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            country_a TEXT NOT NULL, country_b TEXT NOT NULL,
            topics JSONB NOT NULL, score DOUBLE PRECISION NOT NULL, evidence TEXT NOT NULL,
            published_at TEXT, processed_at TIMESTAMPTZ NOT NULL
        );
        """,
    ),
    (
        2,
        "indexes for pair and per-article queries",
        """
        CREATE INDEX cooperation_events_pair ON cooperation_events (country_a, country_b);
        CREATE INDEX cooperation_events_article ON cooperation_events (article_id);
        CREATE INDEX entities_canonical ON entities (type, canonical);
        """,
    ),
]
SCHEMA_VERSION = MIGRATIONS[-1][0]
_LOCK_KEY = 0x636F6F70  # "coop": one advisory lock for schema changes


def _upsert(table: str, columns: str, key: str) -> str:
    names = [c.strip() for c in columns.split(",")]
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in names if c not in key.split(", "))
    placeholders = ", ".join("%s" for _ in names)
    return (
        f"INSERT INTO {table} ({columns}) VALUES ({placeholders}) "
        f"ON CONFLICT ({key}) DO UPDATE SET {updates}"
    )


UPSERT_ARTICLE = _upsert("articles", ARTICLE_COLUMNS, "id")
UPSERT_ENTITY = _upsert("entities", ENTITY_COLUMNS, "article_id, type, canonical")
UPSERT_EVENT = _upsert("cooperation_events", EVENT_COLUMNS, "event_id")


class PostgresSink(Sink):
    def __init__(self, url: str, *, connect_timeout_s: float = 5.0) -> None:
        self.url = url
        self.connect_timeout_s = connect_timeout_s
        self._conn: psycopg.Connection | None = None
        self._lock = threading.Lock()
        try:
            self._connection()
        except SinkUnavailable as exc:
            log.warning("PostgreSQL sink not reachable yet, will retry on write: %s", exc)

    def _connection(self) -> psycopg.Connection:
        if self._conn is not None and not self._conn.closed:
            return self._conn
        try:
            conn = psycopg.connect(
                self.url,
                autocommit=True,
                connect_timeout=max(1, round(self.connect_timeout_s)),
                application_name="coopwire-sink",
            )
        except psycopg.Error as exc:
            raise SinkUnavailable(f"cannot connect to {self.url_redacted}: {exc}") from exc
        try:
            migrate(conn)
        except psycopg.OperationalError as exc:
            conn.close()
            raise SinkUnavailable(f"lost {self.url_redacted} while migrating: {exc}") from exc
        self._conn = conn
        return conn

    def _drop_connection(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(psycopg.Error):
                self._conn.close()
            self._conn = None

    def write_rows(self, rows: Rows) -> None:
        if not rows.article_ids:
            return
        # Same lock order in every transaction (sorted ids) so two workers cannot deadlock.
        articles = sorted(rows.articles, key=lambda row: row[0])
        ids = sorted(rows.article_ids)
        with self._lock:
            conn = self._connection()
            try:
                with conn.transaction(), conn.cursor() as cur:
                    # Upsert the parents first: their row locks serialise concurrent writers
                    # of the same article before its children are replaced.
                    cur.executemany(UPSERT_ARTICLE, articles)
                    cur.execute("DELETE FROM entities WHERE article_id = ANY(%s)", (ids,))
                    cur.execute("DELETE FROM cooperation_events WHERE article_id = ANY(%s)", (ids,))
                    if rows.entities:
                        cur.executemany(UPSERT_ENTITY, rows.entities)
                    if rows.events:
                        cur.executemany(UPSERT_EVENT, rows.events)
            except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
                self._drop_connection()
                raise SinkUnavailable(f"PostgreSQL {self.url_redacted}: {exc}") from exc
            except (psycopg.DataError, psycopg.IntegrityError) as exc:
                raise SinkRejected(f"PostgreSQL refused the batch: {exc}") from exc

    def ping(self) -> bool:
        with self._lock:
            try:
                self._connection().execute("SELECT 1").fetchone()
                return True
            except (SinkUnavailable, psycopg.Error):
                self._drop_connection()
                return False

    def schema_version(self) -> int:
        with self._lock:
            row = (
                self._connection()
                .execute("SELECT max(version) FROM coopwire_schema_version")
                .fetchone()
            )
            return int(row[0]) if row and row[0] is not None else 0

    def query(self, sql: str, params: Sequence[object] = ()) -> list[tuple]:
        with self._lock:
            try:
                return list(self._connection().execute(sql, tuple(params)).fetchall())
            except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
                self._drop_connection()
                raise SinkUnavailable(f"PostgreSQL {self.url_redacted}: {exc}") from exc

    def close(self) -> None:
        with self._lock:
            self._drop_connection()


def migrate(conn: psycopg.Connection) -> list[int]:
    """Apply the migrations this database lacks, in one transaction; return their versions."""
    applied: list[int] = []
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
        conn.execute(
            "CREATE TABLE IF NOT EXISTS coopwire_schema_version ("
            " version INTEGER PRIMARY KEY,"
            " description TEXT NOT NULL,"
            " applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
        )
        row = conn.execute("SELECT coalesce(max(version), 0) FROM coopwire_schema_version")
        current = int(row.fetchone()[0])  # type: ignore[index]
        if current > SCHEMA_VERSION:
            raise RuntimeError(
                f"database schema version {current} is newer than this coopwire "
                f"({SCHEMA_VERSION}); upgrade coopwire"
            )
        for version, description, sql in MIGRATIONS:
            if version <= current:
                continue
            conn.execute(sql)  # type: ignore[arg-type]
            conn.execute(
                "INSERT INTO coopwire_schema_version (version, description) VALUES (%s, %s)",
                (version, description),
            )
            applied.append(version)
    if applied:
        log.info("PostgreSQL schema migrated to version %d (%s)", SCHEMA_VERSION, applied)
    return applied
