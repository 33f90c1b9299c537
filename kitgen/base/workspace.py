"""A workspace: the folder holding requirements/, templates/ and kits/ (the one layout every
stage shares)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kitgen.base.errors import InputError, UnreadableFile
from kitgen.base.files import inside


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
            if p.is_dir() and not p.is_symlink() and not p.name.startswith(".")
        )

    def _kits_inside(self) -> None:
        """kits/ may be a link to a folder of the workspace, never one out of it: versions
        and sign-offs are read from and written to the workspace only."""
        if self.kits_dir.is_symlink() and \
                not self.kits_dir.resolve().is_relative_to(self.root.resolve()):
            raise UnreadableFile("kits/", "a symbolic link to a folder outside the workspace; "
                                 "kitgen reads and writes nothing through it",
                                 "make kits/ a folder of the workspace")
