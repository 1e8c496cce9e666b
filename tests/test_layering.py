"""Every package sits on the ones below it, read from the source's import statements.

From the bottom: ``schemas``, then ``coopwire_core`` (settings, Kafka connection helpers), then
``processors`` and ``producers``, then ``coopwire`` (the command line). A module may import its
own layer and the ones below, never one above; imports inside functions count too. The sink
interface (``processors/sinks/base.py``) imports none of its implementations, and enrichment
imports neither Kafka nor Faust.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = {"schemas": 0, "coopwire_core": 1, "processors": 2, "producers": 2, "coopwire": 3}


def imported_modules(path: Path) -> list[str]:
    """Absolute module names ``path`` imports, anywhere in the file."""
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
            names.extend(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def sources(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def test_the_layers_are_all_there() -> None:
    for package in LAYERS:
        assert sources(package), f"{package}/ has no Python modules"


@pytest.mark.parametrize("package", sorted(LAYERS))
def test_no_package_imports_a_layer_above_it(package: str) -> None:
    level = LAYERS[package]
    wrong = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in sources(package)
        for name in imported_modules(path)
        if LAYERS.get(name.split(".")[0], -1) > level
    ]
    assert not wrong, "\n".join(wrong)


def test_processors_and_producers_never_import_the_command_line() -> None:
    wrong = [
        f"{path.relative_to(ROOT)} imports {name}"
        for package in ("processors", "producers", "coopwire_core", "schemas")
        for path in sources(package)
        for name in imported_modules(path)
        if name == "coopwire" or name.startswith("coopwire.")
    ]
    assert not wrong, "\n".join(wrong)


def test_the_sink_interface_imports_no_implementation() -> None:
    implementations = {
        f"processors.sinks.{p.stem}"
        for p in (ROOT / "processors" / "sinks").glob("*.py")
        if p.stem not in {"__init__", "base"}
    }
    assert "processors.sinks.sqlite" in implementations
    for module in ("base.py", "__init__.py"):
        imported = set(imported_modules(ROOT / "processors" / "sinks" / module))
        assert not imported & implementations, f"sinks/{module}: {imported & implementations}"


def test_enrichment_imports_neither_kafka_nor_faust() -> None:
    wrong = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in sources("processors/enrichment")
        for name in imported_modules(path)
        if name.split(".")[0] in {"kafka", "aiokafka", "faust", "mode"}
    ]
    assert not wrong, "\n".join(wrong)


def test_the_checker_sees_a_violation(tmp_path: Path) -> None:
    """The check itself can fail: a module importing the CLI is reported."""
    bad = tmp_path / "bad.py"
    bad.write_text(
        "def f():\n    from coopwire.cli import app\n    import coopwire_core.settings\n"
    )
    assert imported_modules(bad) == ["coopwire.cli", "coopwire.cli.app", "coopwire_core.settings"]
