"""Which sink a URL names. It lives beside the implementations, not in ``base``, so the
interface module never imports the classes that implement it (``tests/test_layering.py``)."""

from __future__ import annotations

from processors.sinks.base import Sink


def open_sink(url: str, *, connect_timeout_s: float = 5.0) -> Sink:
    """The sink for ``url``; creates or migrates its schema (PostgreSQL: as soon as it answers).

    Implementations are imported here, on demand: a SQLite worker never loads psycopg."""
    if url.startswith("sqlite:///"):
        from processors.sinks.sqlite import SQLiteSink

        return SQLiteSink(url)
    if url.startswith(("postgresql://", "postgres://")):
        from processors.sinks.postgres import PostgresSink

        return PostgresSink(url, connect_timeout_s=connect_timeout_s)
    raise ValueError(f"unsupported sink URL {url!r}: use sqlite:///path or postgresql://...")
