"""Writes that a crash cannot tear, and paths that cannot leave the workspace."""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
from pathlib import Path

from kitgen.errors import InputError, KitgenError


class DiskError(KitgenError):
    """The disk refused a write (full, read-only, no permission); nothing was half-written."""

    exit_code = 3


def _fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_file_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half."""
    temp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        with open(temp, "xb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except OSError as error:
        temp.unlink(missing_ok=True)
        raise disk_error(error, path) from None
    _fsync_dir(path.parent)


def write_file_new(path: Path, data: bytes) -> bool:
    """Create ``path`` with ``data`` unless it exists; atomic, and safe against racing writers.

    Returns False when the file already existed (nothing written).
    """
    temp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        with open(temp, "xb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temp, path)  # fails if path exists: no record is ever overwritten
        except FileExistsError:
            return False
        finally:
            temp.unlink(missing_ok=True)
    except OSError as error:
        temp.unlink(missing_ok=True)
        raise disk_error(error, path) from None
    _fsync_dir(path.parent)
    return True


def disk_error(error: OSError, path: Path) -> DiskError:
    reason = {
        errno.ENOSPC: "the disk is full",
        errno.EDQUOT: "the disk quota is exceeded",
        errno.EROFS: "the file system is read-only",
        errno.EACCES: "permission denied",
    }.get(error.errno or 0, error.strerror or str(error))
    return DiskError(
        f"could not write {path}: {reason}",
        details=["Nothing was half-written; free space or fix permissions and run it again."],
    )


def inside(root: Path, *parts: str) -> Path:
    """``root/parts…``, refusing anything that would step out of ``root`` (``..``, symlinks)."""
    path = root.joinpath(*parts)
    resolved_root = root.resolve()
    current = root
    for part in parts:
        if part in ("", ".", "..") or "/" in part or "\\" in part or "\x00" in part:
            raise InputError(f"{part!r} is not allowed in a path under {root}")
        current = current / part
        if current.is_symlink():
            raise InputError(f"{current} is a symbolic link; kitgen does not follow links under {root}")
    if not path.resolve().is_relative_to(resolved_root):
        raise InputError(f"{path} is outside {root}")
    return path
