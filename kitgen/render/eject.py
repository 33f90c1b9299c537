"""``kitgen templates eject``: copy built-in templates into the workspace to customise them.

A copy starts with a Jinja comment naming the sha256 of the built-in file it was copied from
and the kitgen version, e.g. ``{# kitgen-ejected-from: 3f2a… kitgen 0.1.0 #}``. The comment
renders to nothing (``kitgen.css`` is a Jinja template too, included into ``<style>``), and it
is all that ``stale_ejected_templates`` needs to tell, after an upgrade, that the built-in
template changed under a customised copy. Nothing else is written beside the copies.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from kitgen import __version__
from kitgen.base.errors import InputError
from kitgen.base.files import display_path, read_plain_file, write_file_atomic
from kitgen.render.paths import BUILTIN_TEMPLATES

MARKER = "kitgen-ejected-from:"
# Jinja comments for every template; a CSS comment is accepted too, for a hand-made header.
_HEADER = re.compile(
    r"^(?:\{#|/\*)\s*" + re.escape(MARKER)
    + r"\s*(?P<sha>[0-9a-f]{64})\s+kitgen\s+(?P<version>\S+)\s*(?:#\}|\*/)"
)


@dataclass(frozen=True)
class EjectedTemplate:
    name: str
    path: Path
    sha256: str
    overwritten: bool


def builtin_template_names() -> list[str]:
    return sorted(
        p.name for p in BUILTIN_TEMPLATES.iterdir()
        if p.is_file() and not p.name.startswith(".") and p.suffix not in (".md", ".pyc")
    )


def ejected_header(sha256: str, version: str = __version__) -> str:
    return f"{{# {MARKER} {sha256} kitgen {version} #}}\n"


def eject_templates(
    templates_dir: Path, names: list[str] | None = None, force: bool = False
) -> list[EjectedTemplate]:
    """Copy the named built-in templates (default: all) into ``templates_dir``.

    Every name and every clash is checked before anything is written, so a refused eject
    leaves the workspace as it was.
    """
    known = builtin_template_names()
    wanted = list(dict.fromkeys(names)) if names else known
    unknown = [n for n in wanted if n not in known]
    if unknown:
        raise InputError(
            f"no built-in template named {', '.join(repr(n) for n in unknown)}",
            details=[f"Built-in templates: {', '.join(known)}"],
        )
    targets = {name: templates_dir / name for name in wanted}
    if templates_dir.is_symlink() or any(t.is_symlink() for t in targets.values()):
        raise InputError(
            f"{templates_dir} holds a symbolic link; kitgen writes no template through one"
        )
    clashes = [t for t in targets.values() if t.exists()]
    if clashes and not force:
        raise InputError(
            f"{', '.join(display_path(t) for t in clashes)} already "
            f"exist{'s' if len(clashes) == 1 else ''}",
            details=["kitgen never overwrites a customised template; pass --force to replace it "
                     "with a fresh copy of the built-in one (your changes are lost)."],
        )
    templates_dir.mkdir(parents=True, exist_ok=True)
    ejected = []
    for name, target in targets.items():
        source = (BUILTIN_TEMPLATES / name).read_bytes()
        digest = hashlib.sha256(source).hexdigest()
        overwritten = target.exists()
        write_file_atomic(target, ejected_header(digest).encode() + source)
        ejected.append(EjectedTemplate(name, target, digest, overwritten))
    return ejected


def stale_ejected_templates(templates_dir: Path) -> list[tuple[str, str]]:
    """(template name, message) for each ejected copy whose built-in template changed since.

    Only copies carrying the eject header are judged: a template a user wrote from scratch
    overrides the built-in one on purpose and has nothing to be stale against.
    """
    if not templates_dir.is_dir():
        return []
    stale = []
    for path in sorted(templates_dir.iterdir()):
        if not path.is_file() or path.name.startswith("."):
            continue
        header = _read_header(path)
        if header is None:
            continue
        recorded, version = header
        builtin = BUILTIN_TEMPLATES / path.name
        if not builtin.is_file():
            stale.append((path.name, (
                f"templates/{path.name} was ejected from kitgen {version}, but kitgen "
                f"{__version__} has no built-in {path.name} any more; it is used only where "
                "your own templates include it"
            )))
            continue
        current = hashlib.sha256(builtin.read_bytes()).hexdigest()
        if current != recorded:
            stale.append((path.name, (
                f"templates/{path.name} overrides a built-in template that changed since it was "
                f"ejected (from kitgen {version}; now kitgen {__version__}). Fix: merge the "
                f"changes of {builtin} into your copy, then make its first line "
                f"`{ejected_header(current).strip()}`; or start over with "
                f"`kitgen templates eject {path.name} --force`"
            )))
    return stale


def is_unchanged_copy(path: Path, templates_dir: Path | None, data: bytes | None = None) -> bool:
    """Whether a file of ``templates_dir`` is a built-in template as kitgen ships it: the same
    bytes (``data`` when already read), after an eject header if it starts with one (the header
    comment renders to nothing, so the copy renders exactly as the built-in one)."""
    builtin = BUILTIN_TEMPLATES / path.name
    if templates_dir is None or path.parent != templates_dir or not builtin.is_file():
        return False
    if data is None:
        try:
            data = read_plain_file(path, templates_dir.parent, shown=f"templates/{path.name}")
        except (OSError, InputError):
            return False
    first, newline, rest = data.partition(b"\n")
    if newline and _HEADER.match(first.decode("utf-8", errors="replace")):
        data = rest
    return data == builtin.read_bytes()


def _read_header(path: Path) -> tuple[str, str] | None:
    # A regular file of the workspace only: a link out of it, a FIFO or /proc/kmsg named like
    # a template is refused (exit 2), never opened in a way that could wait forever.
    head = read_plain_file(path, path.parent.parent, limit=512,
                           shown=f"templates/{path.name}")
    first = head.split(b"\n", 1)[0].decode("utf-8", errors="replace")
    match = _HEADER.match(first.lstrip("\ufeff"))
    return (match["sha"], match["version"]) if match else None
