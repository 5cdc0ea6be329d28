"""How far long work has gone, said by the code doing it, shown by the shell if it chooses.

Like logging: the loader and the writers call `advance(what, done, total)` as they go;
nothing is shown unless the command line has installed a display with `shown_by` (it
does so only on a terminal). The pure core never calls it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

Display = Callable[[str, int, int], None]  # (what, done, total)

_display: ContextVar[Display | None] = ContextVar("display", default=None)


def advance(what: str, done: int, total: int) -> None:
    """Say that DONE of TOTAL units of the work WHAT are done."""
    display = _display.get()
    if display is not None:
        display(what, done, total)


@contextmanager
def shown_by(display: Display) -> Iterator[None]:
    """Send what `advance` says to DISPLAY while the block runs."""
    token = _display.set(display)
    try:
        yield
    finally:
        _display.reset(token)
