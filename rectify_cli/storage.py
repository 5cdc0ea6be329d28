"""Writing whole files safely: a temporary file beside the target, then a rename."""

from __future__ import annotations

import os
from pathlib import Path

from .errors import FileProblem


def write_atomically(path: Path, data: bytes) -> None:
    """Write DATA to PATH whole or not at all; raise FileProblem, leaving PATH as it was."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_bytes(data)
        os.replace(temporary, path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise FileProblem(f"{path}: 无法写入({exc.strerror})") from None
