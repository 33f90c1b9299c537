"""The files a brand file names — logos and fonts — read once, bounded and checked, so that
rendering never meets a file it cannot use and never silently draws without one.

A logo is a PNG or a self-contained SVG: an SVG that refers to any other file or URL, declares a
DTD or entities, or asks for a stylesheet is refused with the place in the SVG, since WeasyPrint
would try to fetch what it names (kitgen's URL fetcher refuses that too, but a logo drawn with a
hole in it is no better than an error). A font is one OpenType face (TTF, OTF, WOFF or WOFF2)
that fontTools can read.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import stat
import struct
from dataclasses import dataclass
from pathlib import Path
from xml.parsers import expat

MAX_BRAND_BYTES = 64 * 1024
MAX_IMAGE_BYTES = 2 * 1024 * 1024
MAX_FONT_BYTES = 20 * 1024 * 1024
MAX_IMAGE_PIXELS = 25_000_000  # a 5000 × 5000 PNG; more is a decompression bomb, not a logo
IMAGE_SUFFIXES = (".svg", ".png")
FONT_SUFFIXES = (".ttf", ".otf", ".woff", ".woff2")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_FONT_MAGIC = {b"\x00\x01\x00\x00": "TrueType", b"true": "TrueType", b"OTTO": "OpenType",
               b"wOFF": "WOFF", b"wOF2": "WOFF2"}
_XLINK = "http://www.w3.org/1999/xlink"
_SVG = "http://www.w3.org/2000/svg"
_URL = re.compile(r"url\(\s*['\"]?\s*(?!#)|@import", re.IGNORECASE)


@dataclass(frozen=True)
class BrandFile:
    """A file a version's rendering may read because the brand names it."""

    name: str  # relative to the workspace, with `/`: how manifests and messages name it
    path: Path  # resolved
    sha256: str


class FileProblem(Exception):
    """What is wrong with a named file. ``line`` is set when the place to fix is inside the
    file itself (an SVG), else the problem belongs where the brand file names it."""

    def __init__(self, message: str, fix: str, line: int | None = None,
                 column: int | None = None) -> None:
        super().__init__(message)
        self.message, self.fix, self.line, self.column = message, fix, line, column


# (path, size, mtime, inode, kind) → sha256: a build of many kits checks the same 20 MB font
# once, and an edited file (new size or time) is checked again.
_CHECKED: dict[tuple[str, int, int, int, str], str] = {}


def read_brand_bytes(path: Path) -> bytes:
    """The brand file itself, bounded; ``FileProblem`` when it cannot be used."""
    return _read_regular(path, MAX_BRAND_BYTES, "brand files")


def check_named_file(path: Path, kind: str) -> str:
    """sha256 of a logo (``kind`` "image") or font ("font") at resolved ``path``, after checking
    it can be used; ``FileProblem`` when not."""
    try:
        info = path.stat()
    except OSError as error:
        raise _unreadable(error) from None
    key = (str(path), info.st_size, info.st_mtime_ns, info.st_ino, kind)
    if key in _CHECKED:
        return _CHECKED[key]
    suffixes = IMAGE_SUFFIXES if kind == "image" else FONT_SUFFIXES
    if path.suffix.lower() not in suffixes:
        what = "a logo is an SVG or PNG file" if kind == "image" else (
            "a font is a .ttf, .otf, .woff or .woff2 file")
        raise FileProblem(f"{path.suffix or 'a file without an extension'} is not usable: {what}",
                          "convert it, or name another file")
    limit = MAX_IMAGE_BYTES if kind == "image" else MAX_FONT_BYTES
    data = _read_regular(path, limit, "logos" if kind == "image" else "font files")
    if kind == "font":
        _check_font(data)
    elif path.suffix.lower() == ".png":
        _check_png(data)
    else:
        _check_svg(data)
    digest = hashlib.sha256(data).hexdigest()
    _CHECKED[key] = digest
    return digest


def _unreadable(error: OSError) -> FileProblem:
    if isinstance(error, FileNotFoundError):
        return FileProblem("does not exist", "check the path: it is relative to the brand file")
    return FileProblem(f"cannot be read: {error.strerror or error}",
                       "make it readable by whoever runs kitgen")


def _read_regular(path: Path, limit: int, what: str) -> bytes:
    try:
        info = path.stat()
    except OSError as error:
        raise _unreadable(error) from None
    if not stat.S_ISREG(info.st_mode):
        raise FileProblem("is not a regular file (a folder, FIFO or device)",
                          "name the file itself")
    if info.st_size > limit:
        raise FileProblem(f"is {info.st_size:,} bytes; {what} are limited to {limit:,}",
                          "use a smaller file")
    try:
        # O_NONBLOCK: a FIFO swapped in after the check above must not hang the build.
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(descriptor, "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as error:
        raise _unreadable(error) from None
    if len(data) > limit:
        raise FileProblem(f"is more than {limit:,} bytes; {what} are limited to that",
                          "use a smaller file")
    if not data:
        raise FileProblem("is empty", "name a file with content")
    return data


def _check_png(data: bytes) -> None:
    if not data.startswith(PNG_MAGIC) or data[12:16] != b"IHDR" or len(data) < 24:
        raise FileProblem("is not a PNG image", "export the logo as PNG or SVG")
    width, height = struct.unpack(">II", data[16:24])
    if width * height > MAX_IMAGE_PIXELS:
        raise FileProblem(f"is {width} × {height} pixels; logos are limited to "
                          f"{MAX_IMAGE_PIXELS:,} pixels", "scale it down (a header needs far "
                          "fewer than 2000 pixels across)")


def _check_font(data: bytes) -> None:
    if data[:4] == b"ttcf":
        raise FileProblem("is a font collection (several faces in one file)",
                          "name one .ttf or .otf file per weight and style")
    if data[:4] not in _FONT_MAGIC:
        raise FileProblem("is not a font (TTF, OTF, WOFF or WOFF2)", "name the font file itself")
    from fontTools.ttLib import TTFont

    try:
        font = TTFont(io.BytesIO(data), lazy=True)  # a WOFF or WOFF2 is unpacked here
        tags = set(font.reader.keys())
        if not {"cmap", "head"} <= tags or not tags & {"glyf", "CFF ", "CFF2"}:
            raise ValueError("it lacks the tables of a font (cmap, head, outlines)")
        if data[:4] not in (b"wOFF", b"wOF2"):
            for tag, entry in font.reader.tables.items():
                if entry.offset + entry.length > len(data):
                    raise ValueError(f"its {tag.strip()} table is cut off")
        font["head"]  # noqa: B018 - reading the table is the check
    except Exception as error:  # noqa: BLE001 - fontTools raises many kinds on a broken file
        raise FileProblem(f"is not a font kitgen can read: {error}"[:300],
                          "name an intact TTF, OTF, WOFF or WOFF2 file") from None


def _check_svg(data: bytes) -> None:
    """A well-formed, self-contained SVG: no DTD, no entities, no stylesheet instruction, no
    reference to anything but its own elements (``#id``) and ``data:`` URLs."""
    parser = expat.ParserCreate(namespace_separator=" ")
    seen_root: list[str] = []
    in_style: list[bool] = []

    def refuse(message: str, fix: str) -> None:
        raise FileProblem(message, fix, parser.CurrentLineNumber, parser.CurrentColumnNumber + 1)

    def doctype(_name: str, _system: str | None, _public: str | None, internal: int) -> None:
        # A bare DOCTYPE line (older Illustrator exports) is harmless: nothing loads it.
        if internal:
            refuse("declares a DTD of its own (<!DOCTYPE … [ … ]>)",
                   "remove the part in square brackets; SVG needs none")

    def entity(*_args: object) -> None:
        refuse("declares an entity", "remove the <!ENTITY …> declaration")

    def instruction(target: str, _data: str) -> None:
        if target.lower() == "xml-stylesheet":
            refuse("asks for an external stylesheet", "put the styles in the SVG itself")

    def start(name: str, attributes: dict[str, str]) -> None:
        if not seen_root:
            seen_root.append(name)
            if name not in (f"{_SVG} svg", "svg"):
                refuse(f"starts with <{name.split(' ')[-1]}>, not <svg>", "export it as SVG")
        in_style.append(name.split(" ")[-1] == "style")
        for attribute, value in attributes.items():
            local = attribute.split(" ")[-1]
            if local in ("href", "src") and not value.strip().startswith(("#", "data:")):
                refuse(f"refers to {value.strip()[:80]!r}; a logo must not load other files or "
                       "URLs", "embed the image in the SVG (a data: URL) or remove the reference")
            if local == "style" and _URL.search(value):
                refuse("loads a resource from its style", "remove the url(…) from the style")

    def end(_name: str) -> None:
        in_style.pop()

    def text(content: str) -> None:
        if in_style and in_style[-1] and _URL.search(content):
            refuse("loads a resource from its <style>", "remove the url(…) or @import")

    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = entity
    parser.ProcessingInstructionHandler = instruction
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    try:
        parser.Parse(data, True)
    except expat.ExpatError as error:
        raise FileProblem(f"is not well-formed SVG: {expat.ErrorString(error.code)}",
                          "export the logo again, or name a PNG", error.lineno,
                          error.offset + 1) from None
    if not seen_root:
        raise FileProblem("holds no SVG drawing", "export the logo again")
