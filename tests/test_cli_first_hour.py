"""What a new user meets in the first hour, each case run as the real command in a child
process: stdout, stderr and the exit code. No broker is needed here (``produce`` checks its
files before it connects); large articles through a broker are in ``test_large_articles.py``."""

from __future__ import annotations

import json
import re
import signal
import subprocess
from pathlib import Path

import orjson
import pytest

from tests.cli_process import COMMAND, clean_env, run
from tests.conftest import SAMPLES

ARTICLES = [
    {"id": f"a{n}", "text": f"La police de Lille et la police belge ont saisi {n} tonnes."}
    for n in range(3)
]


def _jsonl(path: Path, lines: list[str | bytes]) -> Path:
    path.write_bytes(b"".join((x if isinstance(x, bytes) else x.encode()) + b"\n" for x in lines))
    return path


def _good(tmp_path: Path, name: str = "good.jsonl") -> Path:
    return _jsonl(tmp_path / name, [json.dumps(a) for a in ARTICLES])


def _no_traceback(stderr: str) -> None:
    assert "Traceback" not in stderr, stderr


# --- 1. offline commands lose nothing ----------------------------------------------------------


def test_a_missing_file_is_named_before_anything_is_read(tmp_path: Path) -> None:
    good = _good(tmp_path)
    result = run("enrich", str(good), "missing.jsonl", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""  # nothing half-done: no file was read
    assert result.stderr.strip() == (
        "coopwire: cannot read missing.jsonl: no such file or directory"
    )


def test_produce_names_a_missing_file_without_a_broker(tmp_path: Path) -> None:
    # No broker listens on this port: the file check comes first, so the answer is immediate.
    result = run("produce", "missing.jsonl", "-b", "127.0.0.1:1", cwd=tmp_path, timeout=60)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip() == (
        "coopwire: cannot read missing.jsonl: no such file or directory"
    )


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_writes_what_was_read(tmp_path: Path, sig: signal.Signals) -> None:
    """Three articles are read from a pipe that stays open; the bad fourth line shows on stderr
    that they were read. The signal then ends the command with the three written."""
    proc = subprocess.Popen(
        [*COMMAND, "enrich", "-"],
        cwd=tmp_path,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=clean_env(),
    )
    try:
        assert proc.stdin and proc.stderr and proc.stdout
        proc.stdin.write(b"".join(orjson.dumps(a) + b"\n" for a in ARTICLES) + b"{oops\n")
        proc.stdin.flush()
        first = proc.stderr.readline().decode()  # blocks until line 4 was read
        assert first.startswith("rejected <stdin>:4:2: invalid JSON"), first
        proc.send_signal(sig)
        stdout, stderr = proc.communicate(timeout=180)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 128 + sig
    assert [orjson.loads(line)["id"] for line in stdout.splitlines()] == ["a0", "a1", "a2"]
    assert re.fullmatch(
        rf"stopped by {sig.name}: enriched 3, rejected 1 in \d+\.\d s\n", stderr.decode()
    )


def test_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    """``coopwire enrich ... | head -1``: the reader goes away after one line."""
    big = _jsonl(
        tmp_path / "many.jsonl",
        [json.dumps({"id": f"n{n}", "text": f"Article {n} sur la France."}) for n in range(40)],
    )
    proc = subprocess.Popen(
        [*COMMAND, "enrich", str(big)],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=clean_env(),
    )
    assert proc.stdout and proc.stderr
    first = proc.stdout.readline()
    proc.stdout.close()  # as head does after its line
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=180) == 0
    assert orjson.loads(first)["id"] == "n0"
    assert stderr == ""


# --- 2. user errors in the user's terms --------------------------------------------------------


def test_bad_lines_say_where_and_what(tmp_path: Path) -> None:
    lines: list[str | bytes] = [
        json.dumps(ARTICLES[0]),
        "tru",
        '{"text": "Bonjour",}',
        '{"text": ""}',
        b'{"text": "caf\xe9"}',
        "[1, 2]",
    ]
    mixed = _jsonl(tmp_path / "mixed.jsonl", lines)
    # The byte offset of the \xe9 in the file: four lines with their newlines, then 13 bytes.
    offset = mixed.read_bytes().index(b"caf\xe9") + len(b"caf")
    result = run("enrich", mixed.name, cwd=tmp_path)
    assert result.returncode == 1
    assert [orjson.loads(line)["id"] for line in result.stdout.splitlines()] == ["a0"]
    errors = result.stderr.splitlines()
    assert errors[:5] == [
        'rejected mixed.jsonl:2:1: invalid JSON: expected a JSON object, such as {"text": "..."}',
        'rejected mixed.jsonl:3:20: invalid JSON: expected a field name in "double quotes"',
        "rejected mixed.jsonl:4: text is blank: an article needs its body text",
        f"rejected mixed.jsonl:5:14: not UTF-8: byte 0xe9 at byte offset {offset} of the"
        " input; save the file as UTF-8",
        'rejected mixed.jsonl:6: a line must be a JSON object such as {"text": "..."},'
        " not an array",
    ]
    assert re.fullmatch(r"enriched 1, rejected 5 in \d+\.\d s", errors[5])
    assert len(errors) == 6
    _no_traceback(result.stderr)


def test_a_missing_env_file_is_one_line(tmp_path: Path) -> None:
    result = run("config", cwd=tmp_path, COOPWIRE_ENV_FILE="nope.env")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == "invalid configuration: COOPWIRE_ENV_FILE=nope.env does not exist\n"


def test_an_unexpected_error_shows_its_traceback_and_asks_for_a_report(tmp_path: Path) -> None:
    """No user message exists yet for a sink file that is not a database: that is coopwire's
    gap, so the user gets the traceback and is asked to report it."""
    (tmp_path / "junk.db").write_bytes(bytes(range(256)) * 20)
    result = run("report", "--sink", "sqlite:///junk.db", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("Traceback (most recent call last):")
    assert "sqlite3.DatabaseError: file is not a database" in result.stderr
    assert result.stderr.splitlines()[-1] == (
        "coopwire stopped on an unexpected error, which is a bug: please report it with the"
        " command you ran and the lines above."
    )


# --- 3. messages are not wrapped ---------------------------------------------------------------


def test_long_messages_stay_on_one_line(tmp_path: Path) -> None:
    name = "a-file-with-a-rather-long-name-so-that-the-message-passes-eighty-columns.jsonl"
    _jsonl(tmp_path / name, ['{"title": "no text"}'])
    result = run("enrich", name, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == f"rejected {name}:1: text is missing"
    assert len(result.stderr.splitlines()[0]) > 80


# --- 4. summaries ------------------------------------------------------------------------------


def test_enrich_prints_a_summary(tmp_path: Path) -> None:
    result = run("enrich", str(_good(tmp_path)), cwd=tmp_path)
    assert result.returncode == 0
    assert len(result.stdout.splitlines()) == 3
    assert re.fullmatch(r"enriched 3, rejected 0 in \d+\.\d s\n", result.stderr)


def test_empty_input_is_said(tmp_path: Path) -> None:
    empty = _jsonl(tmp_path / "empty.jsonl", [])
    result = run("enrich", str(empty), cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout == ""
    assert result.stderr == f"no articles: the input is empty ({empty})\n"
    from_stdin = run("enrich", "-", cwd=tmp_path, input=b"\n\n")
    assert from_stdin.returncode == 0
    assert from_stdin.stderr == "no articles: the input is empty (-)\n"


def test_samples_enrich_in_full(tmp_path: Path) -> None:
    result = run("enrich", str(SAMPLES), cwd=tmp_path, timeout=300)
    count = len(SAMPLES.read_text().splitlines())
    assert result.returncode == 0
    assert len(result.stdout.splitlines()) == count
    assert re.fullmatch(rf"enriched {count}, rejected 0 in \d+\.\d s\n", result.stderr)


# --- 6. help -----------------------------------------------------------------------------------

COMMANDS = [
    ["produce"],
    ["worker"],
    ["consume"],
    ["enrich"],
    ["eval"],
    ["config"],
    ["report"],
    ["schema"],
    ["bench"],
    ["broker", "start"],
    ["broker", "stop"],
    ["broker", "status"],
    ["broker", "fetch"],
]


def test_help_shows_plain_types_and_an_example(tmp_path: Path) -> None:
    for command in COMMANDS:
        result = run(*command, "--help", cwd=tmp_path, COLUMNS="100")
        assert result.returncode == 0, (command, result.stderr)
        text = result.stdout
        assert re.search(r"<(bool|str|int|float|list\[str\])>", text) is None, text
        usage = next(line for line in text.splitlines() if "Usage:" in line)
        assert "{" not in usage and "[[" not in usage, usage
        assert f"Example: coopwire {' '.join(command)}" in text, (command, text)


def test_usage_line_names_the_files(tmp_path: Path) -> None:
    result = run("enrich", "--help", cwd=tmp_path, COLUMNS="100")
    assert "Usage: coopwire enrich [OPTIONS] FILE..." in result.stdout


# --- 6. packaging ------------------------------------------------------------------------------


def test_install_prints_no_licence_warning(tmp_path: Path) -> None:
    """The build backend's own run, as ``pip install -e .`` makes it: metadata and wheel."""
    repo = Path(__file__).resolve().parent.parent
    result = subprocess.run(
        [
            str(Path(COMMAND[0]).with_name("pip")) if len(COMMAND) == 1 else "pip",
            "wheel",
            "--no-deps",
            "--wheel-dir",
            str(tmp_path),
            str(repo),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    output = result.stdout + result.stderr
    assert "license" not in output.lower(), output
    assert "deprecat" not in output.lower(), output
