"""``coopwire enrich``: enrich JSONL offline, losing nothing a user already waited for.

Every input path is checked before the first line is read. Each batch is written as soon as it
is enriched; on any error, on Ctrl+C (SIGINT) and on SIGTERM the articles already read are
enriched and written before the command ends. A signal that arrives while a batch is being
written waits until the batch is out, so no line is cut or written twice. When the reader of
stdout goes away (``| head``) the command ends quietly with exit code 0, as ``cat`` would.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType
from typing import BinaryIO

import orjson
from rich.console import Console
from rich.markup import escape

from coopwire_core.settings import Settings
from producers.jsonl import Rejected, check_inputs, read_articles
from schemas import RawArticle

_SIGNALS = {signal.SIGINT: "SIGINT", signal.SIGTERM: "SIGTERM"}


class Interrupted(Exception):
    """SIGINT or SIGTERM arrived; the command stops reading and writes what it has."""

    def __init__(self, signum: int) -> None:
        super().__init__(_SIGNALS.get(signum, str(signum)))
        self.signum = signum


@dataclass
class _Guard:
    """Turns SIGINT/SIGTERM into ``Interrupted``, except while output is being written (a
    batch to stdout, a message to stderr): then the signal is held and raised after the
    write, so no line is cut, written twice or left uncounted."""

    writing: bool = False
    pending: int | None = None

    def handle(self, signum: int, _frame: FrameType | None) -> None:
        if self.writing:
            self.pending = signum
        else:
            raise Interrupted(signum)

    @contextmanager
    def installed(self) -> Iterator[None]:
        previous = {sig: signal.signal(sig, self.handle) for sig in _SIGNALS}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    @contextmanager
    def held(self) -> Iterator[None]:
        self.writing = True
        try:
            yield
        finally:
            self.writing = False
        if self.pending is not None:
            signum, self.pending = self.pending, None
            raise Interrupted(signum)


class _Output:
    """Enriches and writes batches; counts what reached stdout."""

    def __init__(self, settings: Settings, out: BinaryIO, guard: _Guard) -> None:
        from processors.enrichment import Enricher

        self.enricher = Enricher(
            language_max_chars=settings.language_max_chars, batch_size=settings.worker_batch_size
        )
        self.out, self.guard = out, guard
        self.batch: list[RawArticle] = []
        self.written = 0

    def flush(self) -> None:
        """Enrich the pending batch and write it whole. The batch is emptied only once it is
        out, so an interruption during enrichment leaves it to the final flush."""
        if not self.batch:
            return
        lines = [
            orjson.dumps(article.model_dump(mode="json")) + b"\n"
            for article in self.enricher.enrich_many(self.batch)
        ]
        with self.guard.held():
            self.out.write(b"".join(lines))
            self.out.flush()
            self.written += len(lines)
            self.batch.clear()


def run_enrich(settings: Settings, paths: list[str], out: BinaryIO, console: Console) -> int:
    """Enrich ``paths`` to ``out``; messages and the summary go to ``console`` (stderr).
    Returns the exit code: 0, 1 when lines were rejected, 128 + signal when interrupted."""
    check_inputs(paths)
    started = time.monotonic()
    guard = _Guard()
    rejected = 0
    interrupted: Interrupted | None = None
    with guard.installed():
        output = _Output(settings, out, guard)
        try:
            try:
                for path in paths:
                    for _line, _obj, item in read_articles(path, settings.max_message_bytes):
                        if isinstance(item, Rejected):
                            with guard.held():
                                rejected += 1
                                console.print(f"[yellow]rejected[/] {escape(str(item))}")
                            continue
                        output.batch.append(item)
                        if len(output.batch) >= settings.worker_batch_size:
                            output.flush()
            except Interrupted as exc:
                interrupted = exc
            finally:
                # Whatever ended the reading (the end, a signal, an error), what was read is
                # written. A second signal during this flush is held until the batch is out.
                guard.pending, guard.writing = None, True
                try:
                    output.flush()
                except Interrupted as exc:
                    interrupted = interrupted or exc
                finally:
                    guard.writing = False
        except BrokenPipeError:
            _silence_stdout()
            return 0
    seconds = time.monotonic() - started
    summary = f"enriched {output.written}, rejected {rejected} in {seconds:.1f} s"
    if interrupted is not None:
        console.print(f"stopped by {interrupted}: {summary}", highlight=False)
        return 128 + interrupted.signum
    if output.written == 0 and rejected == 0:
        console.print(f"no articles: the input is empty ({', '.join(paths)})", highlight=False)
        return 0
    console.print(summary, highlight=False)
    return 1 if rejected else 0


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's last flush does not fail again on the
    closed pipe and print 'Exception ignored ... BrokenPipeError'."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
