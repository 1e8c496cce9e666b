"""Enrichment in one child process per worker, so the worker's event loop never waits for it.

Enrichment is CPU-bound Python (spaCy, rules) and holds the GIL; in the worker's own process it
competed with Faust's consumer, producer and acks for that lock. Here it runs in a child
started (``spawn``: no inherited threads or sockets) before the worker joins its consumer
group, with every model loaded there. Only bytes cross the pipe: the raw records go in (topic,
partition, offset, key, value), and the batch comes back ready to deliver (``delivery``):
every message as JSON bytes and every sink row as a tuple, so the worker stores and sends
without parsing or validating a model again.

Delivery does not change: the worker acks a batch only after the sink write and every send.
If the child dies, the worker dies with it (exit code ``EXIT_ENRICHMENT_DIED``) without acking
anything more, exactly like a worker killed with SIGKILL: the group reads its unacked messages
again. A watchdog thread notices the death even when no batch is in flight.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import pickle
import signal
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from multiprocessing.connection import wait as wait_for_objects
from typing import Any

from processors.batch import enrich_records
from processors.dead_letters import Record
from processors.delivery import Delivery, PreparedArticle, prepare
from processors.sinks.base import ArticleRows
from schemas import DeadLetter, encode

log = logging.getLogger("coopwire.worker")

#: The worker's exit status when its enrichment process died (sysexits' EX_SOFTWARE).
EXIT_ENRICHMENT_DIED = 70


class EnrichmentProcessDied(Exception):
    """The child process is gone: the worker must stop without acking anything more."""


class EnrichmentStopped(Exception):
    """The worker is shutting down; the batch in hand stays unacked and is read again."""


class EnrichmentFailed(Exception):
    """The child caught an unexpected error for a whole batch (its traceback is the message);
    the worker retries the batch, as it would in process."""


# -- the child ---------------------------------------------------------------------------------


def _serve(conn: Connection, language_max_chars: int, batch_size: int, max_bytes: int) -> None:
    """The child's whole life: load the models, say ready, then one reply per batch until the
    worker closes its end of the pipe (or dies, which closes it too)."""
    # Ctrl-C reaches the whole process group: the worker stops the child itself, after its
    # batch in hand, so the child must not die first.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from processors.enrichment import Enricher

    enricher = Enricher(language_max_chars=language_max_chars, batch_size=batch_size)
    enricher.warm_up()
    conn.send_bytes(b"ready")
    while True:
        try:
            request = conn.recv_bytes()
        except (EOFError, OSError):
            return
        records = [Record(*fields) for fields in pickle.loads(request)]
        try:
            reply = _pack(records, prepare(enrich_records(enricher, records, max_bytes)))
        except Exception:
            reply = pickle.dumps(("error", traceback.format_exc()), protocol=5)
        try:
            conn.send_bytes(reply)
        except (BrokenPipeError, OSError):
            return


def _pack(records: Sequence[Record], delivery: Delivery) -> bytes:
    """The delivery as plain tuples of bytes, strings and numbers: each article with the
    index of its record, its JSON, its table rows and its events' messages; dead letters as
    JSON (rare)."""
    index = {id(record): i for i, record in enumerate(records)}
    enriched = [
        (
            index[id(delivery.sources[a.id])],
            a.id,
            a.value,
            (a.rows.article, a.rows.entities, a.rows.events),
            a.events,
        )
        for a in delivery.enriched
    ]
    letters = [encode(letter) for letter in delivery.dead_letters]
    return pickle.dumps(("ok", enriched, letters), protocol=5)


def _unpack(records: Sequence[Record], reply: bytes) -> Delivery:
    status, *body = pickle.loads(reply)
    if status != "ok":
        raise EnrichmentFailed(body[0])
    enriched, letters = body
    delivery = Delivery()
    for i, article_id, value, (row, entities, events), messages in enriched:
        delivery.enriched.append(
            PreparedArticle(
                article_id, value, ArticleRows(article_id, row, entities, events), messages
            )
        )
        delivery.sources[article_id] = records[i]
    delivery.dead_letters = [DeadLetter.model_validate_json(data) for data in letters]
    return delivery


# -- the worker's side -------------------------------------------------------------------------


def exit_worker(reason: str) -> None:
    """Leave at once with ``EXIT_ENRICHMENT_DIED``: no graceful stop, so nothing more is acked
    or committed (a graceful stop would still run the event loop's pending work)."""
    log.critical("%s; the worker exits without acking its unfinished batches", reason)
    for handler in logging.getLogger().handlers:
        handler.flush()
    os._exit(EXIT_ENRICHMENT_DIED)


class EnrichmentProcess:
    """The worker's handle on its child: ``start`` (blocks until the models are loaded),
    ``enrich`` (blocks; call it from a thread, never the event loop), ``close``."""

    def __init__(
        self,
        *,
        language_max_chars: int,
        batch_size: int,
        max_message_bytes: int,
        on_death: Callable[[str], Any] = exit_worker,
    ) -> None:
        self._options = (language_max_chars, batch_size, max_message_bytes)
        self._on_death = on_death
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._conn: Connection | None = None
        self._process: mp.process.BaseProcess | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def start(self, timeout_s: float = 600.0) -> None:
        ctx = mp.get_context("spawn")
        parent_end, child_end = ctx.Pipe(duplex=True)
        process = ctx.Process(
            target=_serve, args=(child_end, *self._options), name="coopwire-enrich", daemon=True
        )
        started = time.monotonic()
        process.start()
        child_end.close()  # only the child holds it now: its death is our EOF
        self._conn, self._process = parent_end, process
        try:
            ready = parent_end.poll(timeout_s) and parent_end.recv_bytes() == b"ready"
        except (EOFError, OSError):  # it died while loading its models
            ready = False
        if not ready:
            process.kill()
            process.join()
            raise EnrichmentProcessDied(
                f"enrichment process did not start within {timeout_s:.0f}s "
                f"(exit code {process.exitcode})"
            )
        log.info(
            "enrichment process pid=%d ready (models loaded in %.1fs)",
            process.pid,
            time.monotonic() - started,
        )
        threading.Thread(target=self._watch, name="enrich-watchdog", daemon=True).start()

    def _watch(self) -> None:
        assert self._process is not None
        wait_for_objects([self._process.sentinel])
        if not self._closing.is_set():
            self._on_death(self._death_reason())

    def _death_reason(self) -> str:
        assert self._process is not None
        # The watchdog and a batch waiting on the pipe both see the death; the one whose
        # waitpid loses the race reads no status until the other has stored it.
        deadline = time.monotonic() + 5.0
        self._process.join(1.0)
        while self._process.exitcode is None and time.monotonic() < deadline:
            time.sleep(0.05)
            self._process.join(0.1)
        return (
            f"enrichment process pid={self._process.pid} died (exit code {self._process.exitcode})"
        )

    def enrich(self, records: Sequence[Record]) -> Delivery:
        """One batch through the child. Raises ``EnrichmentProcessDied`` when it is gone,
        ``EnrichmentStopped`` when the worker is closing it."""
        if self._conn is None:
            raise RuntimeError("enrichment process not started")
        request = pickle.dumps(
            [(r.topic, r.partition, r.offset, r.key, r.value) for r in records], protocol=5
        )
        with self._lock:
            try:
                self._conn.send_bytes(request)
                reply = self._conn.recv_bytes()
            except (EOFError, OSError) as exc:
                if self._closing.is_set():
                    raise EnrichmentStopped("the worker is stopping") from exc
                raise EnrichmentProcessDied(self._death_reason()) from exc
        return _unpack(records, reply)

    def close(self, timeout_s: float = 10.0) -> None:
        """Stop the child (it may be mid-batch: that batch is not acked and is read again)."""
        self._closing.set()
        if self._process is None:
            return
        if self._process.is_alive():
            self._process.terminate()
        self._process.join(timeout_s)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()
