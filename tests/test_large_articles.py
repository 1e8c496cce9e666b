"""One policy for large articles, offline and in the stream, with a 5 MB article through a
real broker; and a worker's first log lines (what it reads and writes, no alarming errors).

The policy (``schemas/size_limit.py``): an article whose message is over
``COOPWIRE_MAX_MESSAGE_BYTES`` is refused whole, by ``enrich`` and ``produce`` as a rejected
line, by the worker as a ``too_large`` dead letter, each naming the setting to raise."""

from __future__ import annotations

import random
import re
from pathlib import Path

import orjson
import pytest

from coopwire_core.settings import Settings
from tests.cli_process import run
from tests.conftest import settings_env
from tests.kafka_helpers import read_topic, wait_for

pytestmark = pytest.mark.integration

BIG_TEXT_BYTES = 5_000_000
SMALL = {"id": "small", "text": "La police de Lille et la police belge ont saisi deux tonnes."}


def _big_article() -> dict:
    """About 5 MB of words in paragraphs (not one repeated letter, so compression does not make
    the size question disappear)."""
    rng = random.Random(5)
    words = ["police", "Belgique", "France", "enquête", "saisie", "douane", "parquet", "réseau"]
    paragraphs, size = [], 0
    while size < BIG_TEXT_BYTES:
        paragraph = " ".join(rng.choice(words) for _ in range(120)) + "."
        paragraphs.append(paragraph)
        size += len(paragraph.encode()) + 2
    return {"id": "big", "title": "Un très long dossier", "text": "\n\n".join(paragraphs)}


@pytest.fixture(scope="module")
def articles_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("large") / "articles.jsonl"
    path.write_bytes(orjson.dumps(_big_article()) + b"\n" + orjson.dumps(SMALL) + b"\n")
    return path


def _size_line(stderr: str, limit: int) -> str:
    line = next(x for x in stderr.splitlines() if "too large" in x)
    assert re.fullmatch(
        rf"rejected articles\.jsonl:1: article too large: 5,\d{{3}},\d{{3}} bytes, over"
        rf" COOPWIRE_MAX_MESSAGE_BYTES={limit}; to accept it, raise COOPWIRE_MAX_MESSAGE_BYTES"
        r" \(and the broker's message\.max\.bytes when it is lower\)",
        line,
    ), line
    return line


def test_offline_refuses_it_like_the_stream(articles_file: Path) -> None:
    result = run("enrich", articles_file.name, cwd=articles_file.parent)
    assert result.returncode == 1
    assert [orjson.loads(x)["id"] for x in result.stdout.splitlines()] == ["small"]
    _size_line(result.stderr, 1_000_000)
    assert re.search(r"^enriched 1, rejected 1 in \d+\.\d s$", result.stderr, re.M)


def test_produce_refuses_it_then_sends_it_when_the_setting_allows(
    articles_file: Path, settings: Settings
) -> None:
    env = settings_env(settings)
    refused = run("produce", articles_file.name, cwd=articles_file.parent, **env)
    assert refused.returncode == 1, refused.stderr
    assert refused.stdout == ""
    _size_line(refused.stderr, 1_000_000)
    assert refused.stderr.splitlines()[-1] == (
        f"sent 1, rejected 1, failed 0 -> {settings.topic_raw}"
    )
    assert "max_request_size" not in refused.stderr

    # The setting named in the message is the one that lets it through this broker (its
    # message.max.bytes is 5 MiB; the batch is compressed).
    raised = {**env, "COOPWIRE_MAX_MESSAGE_BYTES": "6000000"}
    sent = run("produce", articles_file.name, cwd=articles_file.parent, **raised)
    assert sent.returncode == 0, sent.stderr
    assert sent.stderr.splitlines()[-1] == f"sent 2, rejected 0, failed 0 -> {settings.topic_raw}"
    messages = read_topic(settings, settings.topic_raw, until=lambda m: len(m) >= 3, timeout=120)
    by_id = [m["value"]["id"] for m in messages]
    assert sorted(by_id) == ["big", "small", "small"]
    big = next(m["value"] for m in messages if m["value"]["id"] == "big")
    assert big["text"] == _big_article()["text"]  # whole, not cut


def test_worker_dead_letters_it_with_the_same_reason(
    articles_file: Path, settings: Settings, start_worker
) -> None:
    """A producer allowed 6 MB sends the article; a worker at the default limit dead-letters it
    with the same reason. This worker logs JSON, one object per line, and none is an error:
    the coordinator retries of a new consumer group are logged as INFO."""
    env = {**settings_env(settings), "COOPWIRE_MAX_MESSAGE_BYTES": "6000000"}
    sent = run("produce", articles_file.name, cwd=articles_file.parent, **env)
    assert sent.returncode == 0, sent.stderr
    worker = start_worker(log_format="json")
    letters = read_topic(
        settings, settings.topic_dlq, until=lambda m: len(m) >= 1, timeout=240, workers=[worker]
    )
    read_topic(settings, settings.topic_enriched, until=lambda m: len(m) >= 1, timeout=120)
    letter = letters[0]["value"]
    assert letter["reason"] == "too_large"
    assert letter["errors"][0]["msg"].startswith("article too large: 5,")
    assert "raise COOPWIRE_MAX_MESSAGE_BYTES" in letter["errors"][0]["msg"]
    worker.stop()
    records = [orjson.loads(line) for line in worker.log().splitlines() if line.strip()]
    assert {r["level"] for r in records} <= {"info", "warning"}, [
        r for r in records if r["level"] not in ("info", "warning")
    ]
    messages = [r["message"] for r in records]
    assert any(m.startswith(f"worker of group {settings.app_id} ") for m in messages[:2]), messages[
        :10
    ]


def test_worker_first_lines_say_what_it_runs(settings: Settings, start_worker) -> None:
    """Text logs, one unwrapped line per record. The first lines name the group, topics,
    partitions, the sink (password masked) and the web port, before anything connects to the
    sink (here a PostgreSQL server that does not exist)."""
    worker = start_worker(sink_url="postgresql://coop:s3cret-pw@127.0.0.1:1/news")
    wait_for(lambda: "web server" in worker.log(), 180, "the worker's first lines")
    lines = [x for x in worker.log().splitlines() if "coopwire.worker" in x]
    prefix = r"\[[^\]]+\] \[\d+\] \[INFO\] coopwire\.worker: "
    reads = next(x for x in lines if "worker of group" in x)
    assert re.fullmatch(
        prefix
        + re.escape(
            f"worker of group {settings.app_id} on {settings.kafka_bootstrap_servers}: reads"
            f" {settings.topic_raw} (2 partitions); writes {settings.topic_enriched},"
            f" {settings.topic_events}, {settings.topic_dlq}"
        ),
        reads,
    ), reads
    sink = next(x for x in lines if "web server" in x)
    assert re.fullmatch(
        prefix + r"sink postgresql://coop:\*\*\*\*@127\.0\.0\.1:1/news; web server"
        r" http://127\.0\.0\.1:\d+ \(/health, /metrics\)",
        sink,
    ), sink
    worker.stop()
    assert "s3cret-pw" not in worker.log()
