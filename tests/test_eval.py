"""``coopwire eval`` and the metrics behind it."""

from __future__ import annotations

import subprocess
import sys

import orjson

from processors.evaluation import Counts, evaluate
from tests.labelled_samples import SAMPLES, labelled


def test_counts_give_micro_precision_recall_f1():
    counts = Counts()
    counts.add(frozenset({"BE", "US"}), frozenset({"BE", "RU"}))
    counts.add(frozenset({"FR"}), frozenset({"FR"}))
    assert (counts.tp, counts.fp, counts.fn) == (2, 1, 1)
    assert counts.precision == counts.recall == counts.f1 == 2 / 3


def test_samples_reach_the_quality_targets():
    report = evaluate([str(SAMPLES)])
    assert report.articles == len(labelled())
    assert report.language_accuracy >= 0.98
    assert report.fields["pairs"].f1 >= 0.80
    assert report.fields["topics"].f1 >= 0.75
    french = report.by_language["fr"]
    assert french["persons"].recall >= 0.80
    assert french["organizations"].recall >= 0.80


def test_bad_lines_are_reported_with_their_numbers(tmp_path):
    good = SAMPLES.read_text(encoding="utf-8").splitlines()[0]
    path = tmp_path / "mixed.jsonl"
    path.write_text(
        "\n".join([good, "{not json", '{"text": "no labels here"}', "[1, 2]", good]) + "\n",
        encoding="utf-8",
    )
    report = evaluate([str(tmp_path)])
    assert report.articles == 2
    assert [b.line for b in report.bad_lines] == [2, 3, 4]


def test_eval_command_prints_json_and_tables(tmp_path):
    path = tmp_path / "few.jsonl"
    path.write_text(
        "\n".join(SAMPLES.read_text(encoding="utf-8").splitlines()[:2]) + "\n{oops\n",
        encoding="utf-8",
    )
    run = subprocess.run(
        [sys.executable, "-m", "coopwire.cli", "eval", "--json", str(path)],
        capture_output=True,
        check=True,
        timeout=300,
    )
    report = orjson.loads(run.stdout)
    assert report["articles"] == 2
    assert set(report["fields"]) == {"countries", "pairs", "topics", "persons", "organizations"}
    assert len(report["bad_lines"]) == 1
    assert report["bad_lines"][0].startswith(f"{path}:3:2: invalid JSON: ")
    assert f"{path}:3" in run.stderr.decode()
    table = subprocess.run(
        [sys.executable, "-m", "coopwire.cli", "eval", str(path)],
        capture_output=True,
        check=True,
        timeout=300,
    )
    assert "language accuracy" in table.stdout.decode() and "pairs" in table.stdout.decode()
