"""The command line: a thin shell over the workspace, one module per family of commands.

- reading.py   status, overdue, list, show, log, trend
- changing.py  close, reopen, assign, progress, extend, review, void, amend
- files.py     check, verify, repair, upgrade, init, where
- documents.py report, export

A run imports only the family of the command it runs (commands.py); `load(None)`
registers every command, as help and the tests need.
"""

from .app import app, main
from .commands import load

__all__ = ["app", "load", "main"]
