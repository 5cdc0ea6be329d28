"""The command line: a thin shell over the workspace, one module per family of commands.

- reading.py   status, overdue, list, show, log, trend
- changing.py  close, reopen, assign, progress, extend, review
- files.py     check, verify, repair, upgrade, init, where
- documents.py report, export
"""

from . import changing, documents, files, reading
from .app import app, main

__all__ = ["app", "changing", "documents", "files", "main", "reading"]
