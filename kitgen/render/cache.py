"""A content-addressed cache of rendered documents, so an unchanged document is never rendered
twice on one machine.

The key is a sha256 over everything that makes a PDF's bytes: the exact HTML handed to
WeasyPrint, its base URL, every file a render may read (all files under the allowed roots: the
fonts, kitgen's assets, the workspace's templates), the PDF identifier, the build time, the
attachments' bytes, kitgen's version, the source of ``pdf.py`` (how WeasyPrint is called), and
the renderer: WeasyPrint and the Python packages it draws with, Pango, HarfBuzz (and whether its
subsetter is there), fontconfig and zlib. Anything missing from the key could serve stale bytes;
anything extra only costs a render, so when in doubt it is in.

Entries are written atomically (a temporary file, then ``os.replace``), carry the sha256 of the
PDF and are checked on every read: a torn or corrupted entry is ignored and written again. The
cache lives in ``$KITGEN_CACHE_DIR``, else ``$XDG_CACHE_HOME/kitgen``, else ``~/.cache/kitgen``;
``KITGEN_CACHE=off`` turns it off. It is bounded (``KITGEN_CACHE_MAX_MB``, default 500): the
entries used longest ago go first.

A long-running process (``kitgen watch``) also keeps the documents it rendered last in memory,
so a save re-renders only the documents whose HTML changed, even with the disk cache off.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import sys
import time
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from kitgen.base import settings
from kitgen.render.layout import LayoutFinding
from kitgen.render.pdf import RenderJob

KEY_FORMAT = 2  # 2: entries carry the layout findings; PDFs have no file identifier
ENTRIES = "documents"
# The Python packages whose code shapes WeasyPrint's output.
RENDER_PACKAGES = ("weasyprint", "pydyf", "tinycss2", "cssselect2", "tinyhtml5", "fonttools",
                   "pyphen", "pillow", "cffi")
# The shared libraries WeasyPrint loads, under the names it tries (text/ffi.py), and how to ask
# each its version.
NATIVE_LIBRARIES = {
    "pango": (("libpango-1.0.so.0", "libpango-1.0.dylib", "libpango-1.0-0.dll"),
              "pango_version_string"),
    "harfbuzz": (("libharfbuzz.so.0", "libharfbuzz.0.dylib", "libharfbuzz-0.dll"),
                 "hb_version_string"),
    "harfbuzz-subset": (("libharfbuzz-subset.so.0", "libharfbuzz-subset.0.dylib",
                         "libharfbuzz-subset-0.dll"), None),
    "fontconfig": (("libfontconfig.so.1", "libfontconfig.1.dylib", "libfontconfig-1.dll"),
                   "FcGetVersion"),
}


@dataclass(frozen=True)
class CachedDocument:
    pdf: bytes
    pages: int
    layout: tuple[LayoutFinding, ...] = ()


MEMORY_BYTES = 64 * 1024 * 1024  # of PDFs a watching process keeps: a few kits' worth


class DocumentCache:
    """Rendered PDFs by key. Never raises for a disk problem: a cache may only save time.
    With ``in_memory``, the entries this process used last are also kept in memory."""

    def __init__(self, root: Path | None, limit: int | None = None,
                 in_memory: bool = False) -> None:
        self.root = root
        self.limit = settings.cache_max_bytes() if limit is None else limit
        self.stored = 0  # entries written: only then can the cache have outgrown its limit
        self.memory: OrderedDict[str, CachedDocument] | None = (
            OrderedDict() if in_memory else None)

    @property
    def usable(self) -> bool:
        """Whether a key is worth computing: there is somewhere to look it up."""
        return self.root is not None or self.memory is not None

    def remember(self, key: str, entry: CachedDocument) -> None:
        if self.memory is None:
            return
        self.memory[key] = entry
        self.memory.move_to_end(key)
        while sum(len(e.pdf) for e in self.memory.values()) > MEMORY_BYTES and \
                len(self.memory) > 1:
            self.memory.popitem(last=False)

    @classmethod
    def default(cls) -> DocumentCache:
        return cls(settings.cache_root())

    def path(self, key: str) -> Path | None:
        return None if self.root is None else self.root / ENTRIES / key[:2] / key

    def get(self, key: str) -> CachedDocument | None:
        if self.memory is not None and key in self.memory:
            self.memory.move_to_end(key)
            return self.memory[key]
        path = self.path(key)
        if path is None:
            return None
        try:
            data = path.read_bytes()
        except OSError:
            return None
        entry = _decode(data)
        if entry is None:
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # eviction goes by last use
        self.remember(key, entry)
        return entry

    def put(self, key: str, pdf: bytes, pages: int,
            layout: tuple[LayoutFinding, ...] = ()) -> None:
        self.remember(key, CachedDocument(pdf, pages, layout))
        if self.root is None:
            return
        path = self.root / ENTRIES / key[:2] / key
        temp = path.with_name(f".{key}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        try:
            if not path.parent.is_dir():
                # The user's own: drafts of unreleased kits are not for other accounts to read.
                self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
                path.parent.mkdir(parents=True, exist_ok=True)
            with open(temp, "xb") as handle:
                handle.write(_encode(pdf, pages, layout))
            os.replace(temp, path)
            self.stored += 1
        except OSError:
            with contextlib.suppress(OSError):
                temp.unlink()

    def evict(self) -> None:
        """Remove the entries used longest ago until the cache fits its limit, and temporary
        files that a killed build left behind."""
        if self.root is None:
            return
        entries: list[tuple[float, int, Path]] = []
        now = time.time()
        for path in _files(self.root / ENTRIES):
            with contextlib.suppress(OSError):
                stat = path.stat()
                if path.name.startswith("."):
                    if now - stat.st_mtime > 3600:
                        path.unlink()
                    continue
                entries.append((stat.st_mtime, stat.st_size, path))
        total = sum(size for _, size, _ in entries)
        for _, size, path in sorted(entries):
            if total <= self.limit:
                break
            with contextlib.suppress(OSError):
                path.unlink()
                total -= size


def _encode(pdf: bytes, pages: int, layout: tuple[LayoutFinding, ...] = ()) -> bytes:
    header = {"format": KEY_FORMAT, "pages": pages, "sha256": hashlib.sha256(pdf).hexdigest(),
              "layout": [finding.as_json() for finding in layout]}
    return json.dumps(header, sort_keys=True).encode() + b"\n" + pdf


def _decode(data: bytes) -> CachedDocument | None:
    head, newline, pdf = data.partition(b"\n")
    if not newline:
        return None
    try:
        header = json.loads(head)
        pages = int(header["pages"])
        sha = str(header["sha256"])
    except (ValueError, KeyError, TypeError):
        return None
    if header.get("format") != KEY_FORMAT or hashlib.sha256(pdf).hexdigest() != sha:
        return None
    found = header.get("layout")
    layout = [LayoutFinding.from_json(item) for item in found] if isinstance(found, list) else []
    return CachedDocument(pdf, pages, tuple(f for f in layout if f is not None))


def _files(root: Path) -> Iterable[Path]:
    with contextlib.suppress(OSError):
        for shard in os.scandir(root):
            if shard.is_dir(follow_symlinks=False):
                with contextlib.suppress(OSError):
                    for entry in os.scandir(shard.path):
                        if entry.is_file(follow_symlinks=False):
                            yield Path(entry.path)


def document_key(job: RenderJob) -> str:
    """The cache key of one render. ``job.files_digest`` must be ``files_digest`` of its
    ``allowed_roots``, taken when the build started.

    Every file under the roots counts for every document, not only those a render fetched: a
    changed template makes a new version anyway, whose version stamp differs on every page.
    """
    import kitgen

    payload = {
        "format": KEY_FORMAT,
        "html": hashlib.sha256(job.html.encode()).hexdigest(),
        "base_url": job.base_url.as_uri(),
        "roots": job.files_digest,
        "identifier": job.identifier.hex(),
        "when": job.when.isoformat(),
        "attachments": [
            [a.name, a.description, hashlib.sha256(a.data).hexdigest()] for a in job.attachments
        ],
        "kitgen": kitgen.__version__,
        "recipe": recipe_digest(),
        "renderer": renderer_fingerprint(),
    }
    encoded = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(encoded).hexdigest()


def files_digest(roots: Sequence[Path]) -> str:
    """sha256 over every file a render may fetch: each root's path and its files' bytes."""
    digest = hashlib.sha256()
    for root in roots:
        digest.update(f"root\0{root.resolve().as_posix()}\0".encode())
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            if "__pycache__" in path.parts or not path.is_file():
                continue
            with contextlib.suppress(OSError):
                content = hashlib.sha256(path.read_bytes()).hexdigest()
                digest.update(f"{path.relative_to(root).as_posix()}\0{content}\0".encode())
    return digest.hexdigest()


@cache
def recipe_digest() -> str:
    """How kitgen calls WeasyPrint: the source of pdf.py, so that editing it (options, fetcher,
    metadata) can never serve bytes made the old way, even without a version bump."""
    from kitgen.render import pdf

    return hashlib.sha256(Path(pdf.__file__).read_bytes()).hexdigest()


@cache
def renderer_fingerprint() -> dict[str, str]:
    """The versions of everything below kitgen that shapes a PDF's bytes, found without
    importing WeasyPrint (a build served from the cache should not pay for that import)."""
    import platform
    import zlib
    from importlib import metadata

    found: dict[str, str] = {
        "python": sys.version,
        "machine": platform.machine(),
        "zlib": zlib.ZLIB_RUNTIME_VERSION,
    }
    for name in RENDER_PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "absent"
    for name, (files, function) in NATIVE_LIBRARIES.items():
        found[name] = _native_version(files, function)
    return found


def _native_version(files: Sequence[str], function: str | None) -> str:
    import ctypes

    for file in files:
        try:
            library = ctypes.CDLL(file)
        except OSError:
            continue
        if function is None:
            return "present"
        try:
            call = getattr(library, function)
        except AttributeError:
            return "present"
        if function == "FcGetVersion":
            call.restype = ctypes.c_int
            return str(call())
        call.restype = ctypes.c_char_p
        return (call() or b"").decode(errors="replace")
    return "absent"
