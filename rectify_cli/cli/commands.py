"""Which module declares each command, so that a run builds only the command it runs.

Typer turns every registered command into a Click command when the group is built,
whatever command runs; importing a family's module also imports what its commands use.
`rectify status` therefore imports reading.py alone and registers `status` alone; help,
shell completion and an unknown command get every command.
"""

from __future__ import annotations

import importlib
import os
from typing import Any

FAMILIES: dict[str, tuple[str, ...]] = {  # module: its commands, in the order help lists them
    "changing": (
        "close",
        "accept",
        "reject",
        "reopen",
        "assign",
        "progress",
        "extend",
        "review",
        "void",
        "amend",
    ),
    "documents": ("report", "export"),
    "files": ("check", "verify", "repair", "upgrade", "init", "where"),
    "reading": ("status", "overdue", "list", "show", "log", "trend"),
    "sharing": ("sync",),
}
FAMILY = {command: module for module, commands in FAMILIES.items() for command in commands}


def invoked(args: list[str]) -> str | None:
    """Return the command ARGS name: their first word that is not an option (the group's
    options take no value), or None."""
    return next((arg for arg in args if not arg.startswith("-")), None)


def load(command: str | None) -> None:
    """Register COMMAND alone; "" none; None every command."""
    from .app import app

    modules = list(FAMILIES) if command is None else [FAMILY[command]] if command else []
    for module in modules:
        importlib.import_module(f"{__package__}.{module}")
    if command is not None:
        app.registered_commands = [c for c in app.registered_commands if _name(c) == command]


def _name(info: Any) -> str:
    return str(info.name or info.callback.__name__)


def needed(args: list[str]) -> str | None:
    """Return the command a run with ARGS needs registered: the one it runs; "" for none (the
    bare guide, --version); None for all (help, completion, an unknown command)."""
    if "_RECTIFY_COMPLETE" in os.environ:  # Typer's shell completion
        return None
    command = invoked(args)
    if command is None:
        return None if {"-h", "--help"} & set(args) else ""
    return command if command in FAMILY else None
