"""The progress bar: long work shown on a terminal, and nothing of it anywhere else."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

DELAY = 1.0  # seconds of work before a bar appears: quick commands never flash one


class Bar:
    """Show each piece of work that has run DELAY seconds as rich's progress bar on
    standard error, and erase it when the work is done or the command ends."""

    def __init__(
        self,
        delay: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        console: Any = None,
    ) -> None:
        """Wait DELAY seconds of CLOCK before showing work, on CONSOLE (rich's, on stderr)."""
        self.delay = DELAY if delay is None else delay
        self.clock, self.console = clock, console
        self.started: dict[str, float] = {}
        self.tasks: dict[str, Any] = {}
        self.progress: Any = None

    def __call__(self, what: str, done: int, total: int) -> None:
        """Show that DONE of TOTAL units of WHAT are done, once WHAT has run DELAY seconds."""
        now = self.clock()
        started = self.started.setdefault(what, now)
        if done >= total:
            self.started.pop(what)
            if what in self.tasks:
                self.progress.remove_task(self.tasks.pop(what))
                if not self.tasks:
                    self.close()  # erased before the command prints what it found
            return
        if now - started < self.delay:
            return
        if self.progress is None:
            self.progress = _progress(self.console)
            self.progress.start()
        if what not in self.tasks:
            self.tasks[what] = self.progress.add_task(what, total=total)
        self.progress.update(self.tasks[what], completed=done, total=total)

    def close(self) -> None:
        """Erase the bar, if one was shown."""
        if self.progress is not None:
            self.progress.stop()
            self.progress = None
            self.tasks.clear()


def _progress(console: Any) -> Any:
    """Return rich's progress display on CONSOLE (else standard error), erased when stopped."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeRemainingColumn,
    )

    return Progress(
        TextColumn("{task.description}", markup=False),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("剩余"),
        TimeRemainingColumn(),
        console=console or Console(stderr=True, highlight=False, emoji=False, markup=False),
        transient=True,
        redirect_stdout=False,  # the output goes where it was sent, bar or no bar
    )
