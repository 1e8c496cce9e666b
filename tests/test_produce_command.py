"""``coopwire produce FILE`` on the real broker: bad lines are reported with their line number
and skipped, the good ones around them are sent, and the exit code says lines were rejected."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import orjson

from schemas import RawArticle
from tests.conftest import settings_env
from tests.kafka_helpers import read_to_end

GOOD = {"id": "good-1", "title": "Police", "text": "La police belge et la police française."}
ID_LESS = {"title": "Douane", "text": "Les douanes belges et néerlandaises coopèrent au port."}
LAST = {"id": "good-3", "text": "De Nederlandse en Duitse politie werken samen."}

LINES = [
    orjson.dumps(GOOD).decode(),  # 1
    '{"title": "broken"',  # 2: not JSON
    "",  # 3: blank, skipped silently
    "[1, 2]",  # 4: not an object
    '{"title": "no text"}',  # 5: no text
    orjson.dumps(ID_LESS).decode(),  # 6
    '{"text": "   "}',  # 7: only whitespace
    orjson.dumps(LAST).decode(),  # 8
]


def test_produce_reports_bad_lines_by_number_sends_the_rest_and_exits_1(settings, tmp_path):
    (tmp_path / "mixed.jsonl").write_text("\n".join(LINES) + "\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "coopwire.cli", "produce", "mixed.jsonl"],
        cwd=tmp_path,
        env={**os.environ, **settings_env(settings), "COLUMNS": "200"},
        capture_output=True,
        timeout=180,
        check=False,
    )
    err = " ".join(result.stderr.decode().split())

    assert result.returncode == 1, err[-2000:]
    assert {int(n) for n in re.findall(r"mixed\.jsonl:(\d+):", err)} == {2, 4, 5, 7}, err
    assert "sent 3, rejected 4, failed 0" in err, err
    messages = read_to_end(settings, settings.topic_raw)
    sent = {m["key"].decode(): RawArticle.model_validate(m["value"]) for m in messages}
    assert len(messages) == 3
    assert sent["good-1"].text == GOOD["text"] and sent["good-3"].text == LAST["text"]
    (derived,) = set(sent) - {"good-1", "good-3"}
    assert sent[derived].title == ID_LESS["title"]
