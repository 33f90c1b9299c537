"""Writes that a crash cannot tear, and paths that cannot leave the workspace."""

from __future__ import annotations

import contextlib
import errno
import fnmatch
import glob
import os
import secrets
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

from kitgen.base import settings
from kitgen.base.errors import DiskError, InputError


def _fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# The test-only crash hook (tests/hostile/test_hostile_crash.py): with KITGEN_TEST_PAUSE_AT set, a
# process that reaches a matching write point writes KITGEN_TEST_PAUSE_MARKER and sleeps, so
# the test can kill -9 it exactly there. Unset, a write point costs one dictionary lookup.
_write_points = 0


def pause_point(label: str) -> None:
    """Where a crash must leave the old state or the new one. ``label`` is ``stage:file name``
    (stages: ``temp`` written but not in place, ``placed``, ``rename``, ``renamed``); the hook
    matches it as a glob, or ``write:<n>`` for the n-th point this process reaches."""
    global _write_points
    wanted, marker = settings.crash_hook()
    if not wanted:
        return
    _write_points += 1
    if wanted != f"write:{_write_points}" and not fnmatch.fnmatchcase(label, wanted):
        return
    if marker:
        with open(marker, "w", encoding="utf-8") as handle:
            handle.write(f"{os.getpid()} {_write_points} {label}\n")
    while True:
        time.sleep(60)


def write_file_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half."""
    remove_stale_temps(path.parent, path.name)
    temp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        with open(temp, "xb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        pause_point(f"temp:{path.name}")
        os.replace(temp, path)
    except OSError as error:
        temp.unlink(missing_ok=True)
        raise disk_error(error, path) from None
    pause_point(f"placed:{path.name}")
    _fsync_dir(path.parent)


def write_file_new(path: Path, data: bytes) -> bool:
    """Create ``path`` with ``data`` unless it exists; atomic, and safe against racing writers.

    Returns False when the file already existed (nothing written).
    """
    remove_stale_temps(path.parent, path.name)
    temp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        with open(temp, "xb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        pause_point(f"temp:{path.name}")
        try:
            os.link(temp, path)  # fails if path exists: no record is ever overwritten
            pause_point(f"placed:{path.name}")
        except FileExistsError:
            return False
        finally:
            temp.unlink(missing_ok=True)
    except OSError as error:
        temp.unlink(missing_ok=True)
        raise disk_error(error, path) from None
    _fsync_dir(path.parent)
    return True


@contextlib.contextmanager
def folder_for_writing(folder: Path) -> Iterator[None]:
    """Make ``folder`` (refusing to write through a symbolic link, reporting a full disk) for
    the writes in the block; if they fail, a folder made here is removed again, so a failed
    write leaves its parent exactly as it was."""
    if folder.is_symlink():
        raise InputError(f"{folder} is a symbolic link; kitgen does not write through links")
    made = not folder.exists()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise disk_error(error, folder) from None
    try:
        yield
    except BaseException:
        if made:
            with contextlib.suppress(OSError):
                folder.rmdir()  # only if still empty
        raise


def remove_stale_temps(folder: Path, name: str = "*") -> None:
    """Remove ``.<name>.<pid>.<hex>.tmp`` files left by writers that were killed. They are
    hidden and every reader ignores them; removing them keeps them out of a ``git add``."""
    pattern = "*" if name == "*" else glob.escape(name)
    with contextlib.suppress(OSError):
        for path in folder.glob(f".{pattern}.*.tmp"):
            parts = path.name.rsplit(".", 3)
            if len(parts) == 4 and parts[1].isdigit() and not process_alive(int(parts[1])):
                path.unlink(missing_ok=True)


def process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists, owned by someone else
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
            raise InputError(
                f"{current} is a symbolic link; kitgen does not follow links under {root}"
            )
    if not path.resolve().is_relative_to(resolved_root):
        raise InputError(f"{path} is outside {root}")
    return path


def display_path(path: Path, root: Path | None = None) -> str:
    """A path as the user would type it: relative to ``root`` (default: the current folder)
    when inside it, else as given."""
    base = root or Path.cwd()
    try:
        return str(path.resolve().relative_to(base.resolve()))
    except (ValueError, OSError):
        return str(path)


@contextlib.contextmanager
def staged_folder(parent: Path, prefix: str) -> Iterator[Path]:
    """A hidden folder ``parent/.<prefix>-<pid>-<hex>`` to assemble a new folder in, before
    ``place_folder`` renames it into place: readers see the whole folder or none. It is removed
    when the block ends, whatever happened; those left by processes that died are removed
    first (a live one's is left alone)."""
    remove_stale_staging(parent, prefix)
    staging = parent / f".{prefix}-{os.getpid()}-{secrets.token_hex(3)}"
    try:
        try:
            staging.mkdir()
        except OSError as error:
            raise disk_error(error, staging) from None
        yield staging
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def place_folder(staging: Path, target: Path) -> bool:
    """Rename a staged folder to ``target``; False when ``target`` already exists (another
    process placed it first), a ``DiskError`` when the disk refuses."""
    try:
        pause_point(f"rename:{target.name}")
        os.rename(staging, target)
        pause_point(f"renamed:{target.name}")
    except OSError as error:
        if target.exists():
            return False
        raise disk_error(error, target) from None
    return True


def remove_stale_staging(parent: Path, prefix: str) -> None:
    """Remove the staged folders of processes that died; hidden and ignored by every reader,
    they would otherwise sit there for good."""
    for path in parent.glob(f".{glob.escape(prefix)}-*"):
        pid = path.name.split("-")[-2] if path.name.count("-") >= 2 else ""
        if pid.isdigit() and process_alive(int(pid)):
            continue
        shutil.rmtree(path, ignore_errors=True)
