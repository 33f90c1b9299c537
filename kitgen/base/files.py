"""Writes that a crash cannot tear, and paths that cannot leave the workspace."""

from __future__ import annotations

import contextlib
import errno
import fnmatch
import glob
import os
import secrets
import shutil
import stat
import time
from collections.abc import Iterator
from pathlib import Path

from kitgen.base import settings
from kitgen.base.errors import DiskError, InputError, UnreadableFile

NAME_MAX = 255  # bytes in one file name, on every file system kitgen writes to


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
    current = root
    for part in parts:
        if part in ("", ".", "..") or "/" in part or "\\" in part or "\x00" in part:
            raise InputError(f"{clip(part)!r} is not allowed in a path under {root}")
        if len(part.encode("utf-8", "surrogateescape")) > NAME_MAX:
            raise InputError(f"{clip(part)!r} ({len(part):,} characters) cannot name anything "
                             f"under {root}: a name has at most {NAME_MAX} bytes")
        current = current / part
        try:
            linked = current.is_symlink()
        except OSError as error:  # a path the system refuses to look at
            raise InputError(f"{clip(str(current))}: {error.strerror or error}") from None
        if linked:
            raise InputError(
                f"{current} is a symbolic link; kitgen does not follow links under {root}"
            )
    if not path.resolve().is_relative_to(root.resolve()):
        raise InputError(f"{path} is outside {root}")
    return path


def clip(text: str, length: int = 60) -> str:
    """``text`` short enough to quote in a message: an argument may be megabytes long."""
    return text if len(text) <= length else f"{text[: length - 1]}…"


def is_plain_file(path: Path) -> bool:
    """A regular file, not a link to one (nor a FIFO, a device…)."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except (OSError, ValueError):
        return False


def is_plain_dir(path: Path) -> bool:
    """A folder, not a link to one."""
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except (OSError, ValueError):
        return False


def links_under(folder: Path) -> list[Path]:
    """Every symbolic link under ``folder`` (hidden names too), without following any."""
    found: list[Path] = []
    for parent, folders, files in os.walk(folder, followlinks=False):
        for name in folders + files:
            path = Path(parent) / name
            if path.is_symlink():
                found.append(path)
    return sorted(found)


_KINDS = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a device"),
          (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a folder"))
_REASONS = {errno.EACCES: ("permission denied", "make it readable by whoever runs kitgen "
                           "(chmod a+r FILE)"),
            errno.EPERM: ("permission denied", "make it readable by whoever runs kitgen"),
            errno.ENOENT: ("no such file", "check the path"),
            errno.ENAMETOOLONG: ("the name is too long", "give a shorter path"),
            errno.ELOOP: ("a symbolic link; kitgen follows no link here",
                          "replace the link with the file itself")}


def read_plain_file(path: Path, root: Path | None = None, *, links: bool = True,
                    limit: int | None = None, shown: str | None = None) -> bytes:
    """The bytes of a regular file of the workspace, read so that a planted path can neither
    make kitgen read a file of the machine nor make it wait forever.

    Refused with ``UnreadableFile`` (exit 2): a path that leaves ``root`` through a symbolic
    link (any link on the way from ``root``, when ``links`` is False), anything but a regular
    file (a FIFO, a device, a socket), a file of the kernel (/proc, /sys), and a file kitgen
    may not read. The file is opened without blocking and checked before a byte is read, so a
    FIFO named like a template cannot stop a build. Reads at most ``limit`` + 1 bytes.
    """
    name = shown or path_as_written(path, root)
    real = _containment(path, root, links, name)
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    if not links:
        flags |= os.O_NOFOLLOW
    try:
        fd = os.open(path, flags)
    except OSError as error:
        reason, fix = _REASONS.get(error.errno or 0, (error.strerror or str(error), "check it"))
        raise UnreadableFile(name, reason, fix) from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = next((what for test, what in _KINDS if test(mode)), "a special file")
            raise UnreadableFile(name, f"not a regular file: {kind}",
                                 "give kitgen a regular file here")
        if real.parts[1:2] in (("proc",), ("sys",)):
            raise UnreadableFile(name, "a file of the kernel (/proc, /sys), not of the workspace",
                                 "give kitgen a regular file of the workspace here")
        return _read_all(fd, limit, name)
    finally:
        os.close(fd)


def path_as_written(path: Path, root: Path | None) -> str:
    """``path`` relative to ``root`` as written, never resolved: a link's target, which may
    name someone else's folders, is not shown."""
    if root is not None:
        try:
            return path.absolute().relative_to(root.absolute()).as_posix()
        except ValueError:
            pass
    return str(path)


def _containment(path: Path, root: Path | None, links: bool, name: str) -> Path:
    """The real path of ``path``, after refusing one under ``root`` that leaves it through a
    link."""
    try:
        real = path.resolve()
    except (OSError, RuntimeError):
        raise UnreadableFile(name, "a loop of symbolic links",
                             "replace the link with the file itself") from None
    if root is None or not path.absolute().is_relative_to(root.absolute()):
        return real  # a path named outside the workspace leads there by no link of it
    if not real.is_relative_to(root.resolve()):
        raise UnreadableFile(name, "a symbolic link to a file outside the workspace; kitgen "
                                   "reads nothing through it",
                             "replace the link with the file itself")
    if not links:
        current = root
        for part in path.absolute().relative_to(root.absolute()).parts:
            current = current / part
            if current.is_symlink():
                raise UnreadableFile(name, "a symbolic link; kitgen follows no link here",
                                     "replace the link with the file itself")
    return real


def _read_all(fd: int, limit: int | None, name: str) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while limit is None or size <= limit:
        wanted = 1 << 20 if limit is None else min(1 << 20, limit + 1 - size)
        try:
            chunk = os.read(fd, wanted)
        except BlockingIOError:
            raise UnreadableFile(name, "cannot be read without waiting: not a regular file",
                                 "give kitgen a regular file here") from None
        except OSError as error:
            raise UnreadableFile(name, f"cannot be read: {error.strerror or error}",
                                 "check the file and the disk") from None
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


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
