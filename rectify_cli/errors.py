"""The one error family of rectify: every failure a user can cause is a RectifyError."""

from __future__ import annotations

import errno
from dataclasses import dataclass
from pathlib import Path

EXIT_OVERDUE = 1
EXIT_ERROR = 2


@dataclass(frozen=True)
class Diagnostic:
    """One problem found in a file, located the way editors and hledger expect."""

    file: Path
    line: int
    col: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}: {self.message}"


_REASONS = {
    errno.ENOENT: "不存在",
    errno.EACCES: "没有权限",
    errno.EPERM: "不允许这样操作",
    errno.EISDIR: "是一个文件夹",
    errno.ENOTDIR: "路径中有一段不是文件夹",
    errno.ENAMETOOLONG: "文件名太长",
    errno.ENOSPC: "磁盘已满",
    errno.EROFS: "文件系统是只读的",
    errno.EEXIST: "已存在",
    errno.EBUSY: "正被占用",
    errno.ELOOP: "符号链接绕成了圈",
    errno.EIO: "读写出错",
    errno.EDQUOT: "超出磁盘配额",
}


def reason(exc: OSError) -> str:
    """Say in Chinese why the operating system refused: its own words are English."""
    return _REASONS.get(exc.errno or 0, f"系统错误 {exc.errno}")


def undecodable(path: Path, raw: bytes, start: int) -> Diagnostic:
    """Describe bytes that are not UTF-8, naming the encoding Windows editors often use."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return Diagnostic(path, 1, 1, "文件是 UTF-16 编码(记事本的“Unicode”),请另存为 UTF-8")
    line = raw.count(b"\n", 0, start) + 1
    col = start - (raw.rfind(b"\n", 0, start) + 1) + 1
    return Diagnostic(
        path, line, col, "文件不是 UTF-8 编码(可能是 GBK/GB2312),请在编辑器中另存为 UTF-8"
    )


class RectifyError(Exception):
    """Base of every error a user can cause; knows its message and exit code."""

    exit_code = EXIT_ERROR

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def lines(self) -> list[str]:
        """Return the lines to print, first line first."""
        return [self.message]


class DataInvalid(RectifyError):
    """A plan or ledger file has one or more problems; all are reported at once."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = diagnostics
        super().__init__(f"发现 {len(diagnostics)} 处错误")

    def lines(self) -> list[str]:
        return [str(d) for d in self.diagnostics] + [self.message]


class LedgerTorn(DataInvalid):
    """The ledger ends in a line that was cut off while being written."""

    def __init__(self, file: Path, line: int) -> None:
        super().__init__(
            [
                Diagnostic(
                    file,
                    line,
                    1,
                    "最后一行不完整(写入时中断),已拒绝读取和追加;"
                    "请运行 rectify repair 将残缺内容移入备份文件",
                )
            ]
        )


class UnknownMeasure(RectifyError):
    """An id that the plan does not have."""


class Refused(RectifyError):
    """A well-formed request the ledger's rules do not allow (already closed, bad date...)."""


class FileProblem(RectifyError):
    """A file that cannot be read, written or created."""


class Busy(RectifyError):
    """Another rectify process holds the ledger for too long."""
