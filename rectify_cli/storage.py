"""Writing whole files safely: a temporary file beside the target, then a rename."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .errors import FileProblem, reason


def write_atomically(path: Path, data: bytes) -> None:
    """Write DATA to PATH whole or not at all; raise FileProblem, leaving PATH as it was."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_bytes(data)
        os.replace(temporary, path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise FileProblem(f"{path}: 无法写入({reason(exc)})") from None


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "文件夹"
    if stat.S_ISFIFO(mode):
        return "命名管道"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "设备"
    return "套接字" if stat.S_ISSOCK(mode) else "特殊文件"


def regular(path: Path, what: str) -> bool:
    """Tell whether PATH exists; refuse it, unread, if it is not a regular file.

    A folder, a named pipe or a device (/dev/zero grows without end, a FIFO waits for a
    writer) is never opened: WHAT says what the file should have been.
    """
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise FileProblem(f"{path}: 无法读取{what}({reason(exc)})") from None
    if not stat.S_ISREG(mode):
        raise FileProblem(f"{path}: 是一个{_kind(mode)},不是{what}文件")
    return True


def read_regular(path: Path, what: str) -> bytes | None:
    """Return the bytes of the regular file PATH, or None if there is none."""
    if not regular(path, what):
        return None
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise FileProblem(f"{path}: 无法读取{what}({reason(exc)})") from None
