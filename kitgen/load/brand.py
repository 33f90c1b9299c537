"""A workspace's brand: the ``brand.yml`` file Quarto and Posit's tools read, as far as kitgen
uses it.

kitgen reads ``meta.name``; ``logo`` (one file, or ``images`` and ``small``/``medium``/``large``,
each possibly ``light``/``dark``); ``color.palette`` and the theme colours (``primary``,
``secondary``, ``foreground`` and ``background`` are used; the others are checked as colours);
``typography.fonts`` (local files), and the families of ``typography.base`` and ``headings``;
and ``defaults.kitgen.paper``. Other keys the brand.yml format defines are accepted and not read
(``meta``'s other keys, sizes, weights and line heights, ``monospace``, ``link``, other tools'
``defaults``); any other key is an error. The file is loaded like a requirement file (safe,
located, bounded) and every file it names is checked before anything renders
(``brandfiles``): bad brand input stops a build before it writes anything.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import yaml

from kitgen.base.errors import InvalidBrandFile, Problem
from kitgen.load.brandfiles import BrandFile, FileProblem, read_brand_bytes
from kitgen.load.brandreader import KITGEN_FONT, Brand, BrandReader, FontFace, Logo, relative_name
from kitgen.load.compose import ComposeAbort, Composer
from kitgen.load.positions import LoadedKit

__all__ = ["BRAND_FILE_NAMES", "KITGEN_FONT", "Brand", "FontFace", "Logo", "find_brand_file",
           "load_brand", "read_brand"]

BRAND_FILE_NAMES = ("_brand.yml", "_brand.yaml", "brand.yml", "brand.yaml")


def find_brand_file(root: Path) -> Path | None:
    """The workspace's own brand file, as Quarto names it (``_brand.yml``) or plainly
    (``brand.yml``); ``InvalidBrandFile`` when there are two."""
    found = [root / name for name in BRAND_FILE_NAMES if (root / name).exists()
             or (root / name).is_symlink()]
    if len(found) > 1:
        raise InvalidBrandFile([Problem(found[1].name, None, None, "", f"{found[0].name} and "
                                        f"{found[1].name} are both brand files",
                                        "keep one of them")])
    return found[0] if found else None


def load_brand(root: Path, loaded: LoadedKit | None = None) -> Brand | None:
    """The brand of ``loaded`` (its ``brand:`` file, else the workspace's), or of the workspace
    when no kit is given; None when there is none. ``InvalidBrandFile`` lists every problem."""
    pointer = loaded.kit.brand if loaded is not None else None
    if pointer is None:
        path = find_brand_file(root)
        return None if path is None else read_brand(root, path)
    line, column = loaded.where(("brand",)) if loaded is not None else (None, None)

    def refuse(message: str, fix: str) -> InvalidBrandFile:
        name = loaded.name if loaded is not None else ""
        return InvalidBrandFile([Problem(name, line, column, "brand", message, fix)])

    relative = Path(pointer)
    if relative.is_absolute() or ".." in relative.parts or "://" in pointer:
        raise refuse(f"{pointer!r} is not a path inside the workspace",
                     "write the brand file's path relative to the workspace folder, e.g. "
                     "brands/emea.yml")
    path = root / relative
    if not path.resolve().is_relative_to(root.resolve()):
        raise refuse(f"{pointer} is a symbolic link to a file outside the workspace",
                     "copy the brand file into the workspace")
    if not path.exists():
        raise refuse(f"{pointer}: no such brand file", "check the path: it is relative to the "
                     "workspace folder")
    return read_brand(root, path)


def read_brand(root: Path, path: Path) -> Brand:
    """Read and check one brand file and every file it names."""
    name = relative_name(root, path)
    try:
        if not path.resolve().is_relative_to(root.resolve()):
            raise FileProblem("is a symbolic link to a file outside the workspace",
                              "copy the brand file into the workspace")
        raw = read_brand_bytes(path)
    except FileProblem as problem:
        problems = [Problem(name, None, None, "", problem.message, problem.fix)]
        raise InvalidBrandFile(problems) from None
    text = _decode(raw, name)
    data, builder = _compose(text, name)
    source = BrandFile(name, path.resolve(), hashlib.sha256(raw).hexdigest())
    reader = BrandReader(root, path, name, builder, text)
    brand = reader.read(data, source)
    if reader.problems:
        ordered = sorted(reader.problems, key=lambda p: (p.file != name, p.line or 0,
                                                          p.column or 0))
        raise InvalidBrandFile(ordered)
    return brand


def _decode(raw: bytes, name: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        before = raw[: error.start]
        line = before.count(b"\n") + 1
        column = error.start - (before.rfind(b"\n") + 1) + 1
        raise InvalidBrandFile([Problem(name, line, column, "", f"byte 0x{raw[error.start]:02x} "
                                        "is not UTF-8 text", "save the file as UTF-8")]) from None


def _compose(text: str, name: str) -> tuple[Any, Composer]:
    builder = Composer(name)
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = builder.build(node) if node is not None else None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
        raise InvalidBrandFile([Problem(name, line, column, "", error.problem or "not valid YAML",
                                        "fix the YAML syntax here")]) from None
    except (yaml.YAMLError, RecursionError) as error:
        raise InvalidBrandFile([Problem(name, None, None, "", f"not valid YAML: {error}"[:300],
                                        "fix the YAML syntax")]) from None
    except ComposeAbort as abort:
        raise InvalidBrandFile([abort.problem]) from None
    if builder.problems:
        raise InvalidBrandFile(builder.problems)
    if not isinstance(data, dict):
        raise InvalidBrandFile([Problem(name, 1, 1, "", "a brand file is a mapping of keys "
                                        "(meta:, logo:, color:, typography:, defaults:)",
                                        "start it with `meta:` and the company's `name:`")])
    return data, builder
