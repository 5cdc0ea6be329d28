"""Evidence files (佐证材料): record a file's size and SHA-256, and check it later."""

from __future__ import annotations

import hashlib
from pathlib import Path

from .errors import Diagnostic, Refused, reason
from .events import Evidence
from .ledger import Entry


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _stored(path: Path, base: Path) -> str:
    """Return PATH as recorded: relative to the ledger's folder when inside it, else absolute."""
    absolute = path.resolve()
    try:
        return absolute.relative_to(base.resolve()).as_posix()
    except ValueError:
        return str(absolute)


STORE = "evidence"  # beside a shared ledger: the evidence files, each under its SHA-256
STORE_LIMIT = 10 * 1024 * 1024  # bytes: git carries every copy to every desk for good
_UNSAFE = '<>:"/\\|?*'  # not in a file name on Windows


def evidence_file(path: Path, base: Path, *, store: bool = False) -> Evidence:
    """Return evidence for the file at PATH as it is now; BASE is the ledger's folder. With
    STORE (a ledger shared through git), record a copy kept beside the ledger, in
    evidence/SHA-256/name, so that it travels with the record."""
    from .errors import FileProblem
    from .storage import regular

    try:
        if not regular(path, "佐证材料"):
            raise Refused(f"佐证材料文件 {path} 不存在,未登记任何内容")
    except FileProblem as exc:
        raise Refused(f"{exc.message},未登记任何内容") from None
    try:
        size = path.stat().st_size
        if size == 0:
            raise Refused(f"佐证材料文件 {path} 是空文件(0 字节),不能作为佐证;未登记任何内容")
        if store:
            return _kept(path, base, size)
        return Evidence(path=_stored(path, base), size=size, sha256=_sha256(path))
    except OSError as exc:
        raise Refused(f"无法读取佐证材料文件 {path}({reason(exc)})") from None


def _kept(path: Path, base: Path, size: int) -> Evidence:
    """Copy PATH into the evidence store beside the ledger and return the evidence of the
    copy (its digest taken from the copy itself: what is stored is what is recorded)."""
    import os
    import shutil
    import tempfile

    if size > STORE_LIMIT:
        raise Refused(
            f"佐证材料文件 {path} 有 {size / 1048576:.1f} MB,超过共享账本收存的上限 "
            f"{STORE_LIMIT // 1048576} MB(每份都会随 git 传到每台电脑);请改用 --evidence 写明"
            "文件的文号或存放位置。未登记任何内容"
        )
    name = "".join("_" if c in _UNSAFE or ord(c) < 32 else c for c in path.name).strip(" .")
    folder = base / STORE
    folder.mkdir(exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".incoming-")
    os.close(handle)
    try:
        shutil.copyfile(path, temporary)
        digest = _sha256(Path(temporary))
        copied = Path(temporary).stat().st_size
        target = folder / digest / (name or "材料")
        target.parent.mkdir(exist_ok=True)
        os.replace(temporary, target)  # the same content under the same name: the same file
    finally:
        Path(temporary).unlink(missing_ok=True)
    return Evidence(path=target.relative_to(base).as_posix(), size=copied, sha256=digest)


def locate(evidence: Evidence, base: Path) -> Path:
    """Return where the recorded evidence file should be."""
    stored = Path(evidence.path or "")
    return stored if stored.is_absolute() else base / stored


def check_files(entries: list[Entry], ledger: Path) -> list[Diagnostic]:
    """Report evidence files that are missing or whose content changed since they were recorded."""
    base = ledger.parent
    problems = []
    for entry in entries:
        for evidence in entry.event.evidence:
            if evidence.path is None:
                continue
            where = locate(evidence, base)
            if not where.is_file():
                problems.append(Diagnostic(ledger, entry.line, 1, f"佐证材料文件 {where} 不存在"))
                continue
            try:
                same = where.stat().st_size == evidence.size and _sha256(where) == evidence.sha256
            except OSError as exc:
                problems.append(
                    Diagnostic(
                        ledger, entry.line, 1, f"佐证材料文件 {where} 无法读取({reason(exc)})"
                    )
                )
                continue
            if not same:
                problems.append(
                    Diagnostic(
                        ledger, entry.line, 1, f"佐证材料文件 {where} 的内容在登记后被改动过"
                    )
                )
    return problems
