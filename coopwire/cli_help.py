"""``--help`` that reads like a manual page: ``FILE...`` and ``HOST:PORT``, not Python types.

Typer 0.2x prints each parameter's annotation as its type (``<bool>``, ``<list[str]>``) and
puts required arguments in braces (``{files}...``). Here every argument shows its metavar,
every option the metavar it was given (flags none), as click itself does.
"""

from __future__ import annotations

from typing import Any

from typer.core import TyperArgument, TyperOption

_NAMES = {"str": "TEXT", "int": "INTEGER", "float": "NUMBER", "list[str]": "TEXT"}


class _Argument(TyperArgument):
    def display_type_rich(self, ctx: Any) -> str | None:
        return None

    def _usage_display_name(self) -> str:
        name = self.metavar or (self.name or "").upper() + ("..." if self.nargs != 1 else "")
        return name if self.required or name.startswith("[") else f"[{name}]"


class _Option(TyperOption):
    def display_type_rich(self, ctx: Any) -> str | None:
        if self.is_flag or self.count:
            return None
        return self.metavar or _NAMES.get(self.bare_type(), self.bare_type().upper())


def readable_help(command: Any) -> Any:
    """Give ``command`` (a Typer click command) and its subcommands the readable parameter
    display, ``--help`` included; returns it."""
    for param in command.params:
        _readable(param)
    make_help_option = command.get_help_option

    def get_help_option(ctx: Any) -> Any:
        option = make_help_option(ctx)
        if option is not None:
            _readable(option)
        return option

    command.get_help_option = get_help_option
    for sub in getattr(command, "commands", {}).values():
        readable_help(sub)
    return command


def _readable(param: Any) -> None:
    if isinstance(param, TyperArgument):
        param.__class__ = _Argument
    elif isinstance(param, TyperOption):
        param.__class__ = _Option
