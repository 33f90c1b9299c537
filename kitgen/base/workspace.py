"""A workspace: the folder holding requirements/, templates/ and kits/ (the one layout every
stage shares), and how kitgen finds it from any folder inside it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kitgen.base.errors import InputError, UnknownKit, UnreadableFile
from kitgen.base.files import inside

MARKERS = ("requirements", "kits")  # a folder holding either is a workspace's root


def find_root(start: Path) -> Path:
    """The workspace ``start`` is in, found as git finds a repository: ``start`` or the first
    folder above it that holds ``requirements/`` or ``kits/``. The search stops at the top of a
    git repository (a folder holding ``.git``), so a repository with no workspace never borrows
    one from around it; with none found, ``start`` itself (whose error then says how to make
    one)."""
    start = start.absolute()
    for folder in (start, *start.parents):
        if any((folder / marker).is_dir() for marker in MARKERS) and not _inside_kits(folder):
            return folder
        if (folder / ".git").exists():
            break
    return start


def _inside_kits(folder: Path) -> bool:
    """``kits/`` of a workspace, or a folder in it: a kit may be named ``requirements``."""
    return any(parent.name == "kits" and any((parent.parent / m).is_dir() for m in MARKERS)
               for parent in (folder, *folder.parents))


@dataclass(frozen=True)
class Workspace:
    root: Path

    @property
    def requirements_dir(self) -> Path:
        return self.root / "requirements"

    @property
    def templates_dir(self) -> Path:
        return self.root / "templates"

    @property
    def kits_dir(self) -> Path:
        return self.root / "kits"

    @property
    def preview_dir(self) -> Path:
        """Drafts rendered while editing (``kitgen preview`` and ``watch``): no version, kept
        out of git, outside kits/ so that ``verify`` never sees them."""
        return self.root / "preview"

    @property
    def fonts_dir(self) -> Path:
        """The fonts the HTML pages under kits/ use (written by every build). No kit can be
        called this: kit ids start with a letter or digit."""
        return self.kits_dir / "_fonts"

    def requirement_files(self) -> list[Path]:
        """Every requirement file in requirements/ (each is read safely by the loader, which
        refuses a link out of the workspace or a special file with its name)."""
        if not self.requirements_dir.is_dir():
            raise InputError(
                f"no requirements/ folder in {self.root}",
                details=["Run kitgen in a workspace, or make one with `kitgen init DIR`."],
            )
        if not self.requirements_dir.resolve().is_relative_to(self.root.resolve()):
            # A pull request must not make CI read, and quote, someone else's folder.
            raise UnreadableFile("requirements/", "a symbolic link to a folder outside the "
                                 "workspace; kitgen reads nothing through it",
                                 "make requirements/ a folder of the workspace")
        return sorted(
            p for p in self.requirements_dir.iterdir()
            if p.suffix in (".yaml", ".yml") and not p.is_dir()
        )

    def kit_dir(self, kit: str) -> Path:
        """``kits/<kit>``, never outside kits/ (an argument naming a kit may be anything)."""
        self._kits_inside()
        return inside(self.kits_dir, kit)

    def kit_ids(self) -> list[str]:
        if not self.kits_dir.is_dir():
            return []
        self._kits_inside()
        return sorted(
            p.name for p in self.kits_dir.iterdir()
            if p.is_dir() and not p.is_symlink() and not p.name.startswith((".", "_"))
        )

    def require_kit(self, kit: str) -> str:
        """``kit`` when kits/ holds it; else ``UnknownKit`` naming the nearest ids (a name that
        would step out of kits/ is refused as such first)."""
        self.kit_dir(kit)
        known = self.kit_ids()
        if kit in known:
            return kit
        # Only compared with names listed, never joined into a path: ``kit`` is user text.
        files = self.requirements_dir
        stems = ({p.stem for p in files.iterdir() if p.suffix in (".yaml", ".yml")}
                 if files.is_dir() else set())
        raise UnknownKit(kit, known, kit in stems)
    def _kits_inside(self) -> None:
        """kits/ may be a link to a folder of the workspace, never one out of it: versions
        and sign-offs are read from and written to the workspace only."""
        if self.kits_dir.is_symlink() and \
                not self.kits_dir.resolve().is_relative_to(self.root.resolve()):
            raise UnreadableFile("kits/", "a symbolic link to a folder outside the workspace; "
                                 "kitgen reads and writes nothing through it",
                                 "make kits/ a folder of the workspace")
