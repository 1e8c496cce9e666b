"""What the feed reader already sent, kept in a small SQLite file so a restart does not re-send
a feed's whole back catalogue. An item is known by its feed guid (or its link when the feed
gives none) and by the article id derived from its link, so the same story listed by two feeds
is sent once."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS sent_items (
    item_key TEXT PRIMARY KEY,
    article_id TEXT NOT NULL,
    feed_url TEXT NOT NULL,
    sent_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sent_items_article ON sent_items (article_id);
"""


class SentItems:
    """A persistent set of sent feed items. Marking happens only after Kafka confirmed the
    delivery, so a crash between send and mark re-sends (at-least-once), never loses."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(path, timeout=30)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.executescript(SCHEMA)
        self._conn.commit()

    def contains(self, item_key: str, article_id: str | None = None) -> bool:
        row = self._conn.execute(
            "SELECT 1 FROM sent_items WHERE item_key = ? OR article_id = ? LIMIT 1",
            (item_key, article_id or ""),
        ).fetchone()
        return row is not None

    def mark(self, items: list[tuple[str, str, str]]) -> None:
        """Remember ``(item key, article id, feed url)`` triples in one transaction."""
        now = datetime.now(UTC).isoformat()
        with self._conn:
            self._conn.executemany(
                "INSERT OR REPLACE INTO sent_items (item_key, article_id, feed_url, sent_at) "
                "VALUES (?, ?, ?, ?)",
                [(key, article_id, feed, now) for key, article_id, feed in items],
            )

    def __len__(self) -> int:
        return int(self._conn.execute("SELECT COUNT(*) FROM sent_items").fetchone()[0])

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> SentItems:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
