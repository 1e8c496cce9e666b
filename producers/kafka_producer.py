"""Send RawArticles to Kafka with kafka-python, keyed by article id.

``acks="all"`` with the idempotent producer: retries after a broker failure never duplicate a
message, and every send is confirmed before the summary is printed, so the exit code tells the
truth about delivery. A message the broker has not confirmed within
``producer_delivery_timeout_s`` (broker down for longer than that) is counted as failed, with
its id and the error, never as sent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from kafka import KafkaProducer
from kafka.errors import KafkaError, MessageSizeTooLargeError

from coopwire_core.settings import Settings, kafka_python_options
from producers.jsonl import Rejected, read_articles
from schemas import RawArticle, encode


@dataclass
class ProduceReport:
    sent: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed


def _failure(exc: BaseException) -> str:
    """Why a message was not delivered; a size refusal by the broker names its setting."""
    if isinstance(exc, MessageSizeTooLargeError):
        return (
            "the broker refused the message as too large: raise its message.max.bytes (or the"
            f" topic's max.message.bytes), or lower COOPWIRE_MAX_MESSAGE_BYTES ({exc})"
        )
    return f"{type(exc).__name__}: {exc}"


def make_producer(settings: Settings, **overrides: object) -> KafkaProducer:
    delivery_ms = int(settings.producer_delivery_timeout_s * 1000)
    options: dict[str, object] = {
        **kafka_python_options(settings),
        "acks": "all",
        "enable_idempotence": True,
        "linger_ms": 10,
        "batch_size": 256 * 1024,
        "compression_type": "gzip",
        "max_request_size": settings.max_message_bytes * 2,
        "delivery_timeout_ms": delivery_ms,
        "request_timeout_ms": min(30_000, max(1, delivery_ms - 10)),
        # send() blocks at most this long for metadata or buffer space, then fails the message.
        "max_block_ms": delivery_ms,
        "client_id": "coopwire-producer",
    }
    options.update(overrides)
    return KafkaProducer(**options)


class ArticleProducer:
    def __init__(self, settings: Settings, topic: str | None = None, **overrides: object) -> None:
        self.settings = settings
        self.topic = topic or settings.topic_raw
        self._producer = make_producer(settings, **overrides)

    def send(self, article: RawArticle, report: ProduceReport) -> None:
        try:
            future = self._producer.send(
                self.topic, key=article.id.encode("utf-8"), value=encode(article)
            )
        except KafkaError as exc:
            report.failed.append((article.id, _failure(exc)))
            return

        def on_success(_metadata: object) -> None:
            report.sent += 1

        def on_error(exc: BaseException) -> None:
            report.failed.append((article.id, _failure(exc)))

        future.add_callback(on_success)
        future.add_errback(on_error)

    def send_all(
        self, articles: Iterable[RawArticle], progress: Callable[[int], None] | None = None
    ) -> ProduceReport:
        report = ProduceReport()
        for article in articles:
            self.send(article, report)
            if progress:
                progress(1)
        self.flush()
        return report

    def send_files(
        self, paths: Iterable[str], progress: Callable[[int], None] | None = None
    ) -> ProduceReport:
        report = ProduceReport()
        for path in paths:
            for _line, _obj, item in read_articles(path, self.settings.max_message_bytes):
                if isinstance(item, Rejected):
                    report.rejected.append(item)
                else:
                    self.send(item, report)
                if progress:
                    progress(1)
        self.flush()
        return report

    def flush(self, timeout: float | None = None) -> None:
        self._producer.flush(timeout=timeout)

    def close(self, timeout: float | None = None) -> None:
        self._producer.close(timeout=timeout)

    def __enter__(self) -> ArticleProducer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
