"""A workspace: the folder holding requirements/, templates/ and kits/ (the one layout every
stage shares)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kitgen.base.errors import InputError
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

    @property
    def fonts_dir(self) -> Path:
        """The fonts the HTML pages under kits/ use (written by every build). No kit can be
        called this: kit ids start with a letter or digit."""
        return self.kits_dir / "_fonts"

    def requirement_files(self) -> list[Path]:
        if not self.requirements_dir.is_dir():
            raise InputError(
                f"no requirements/ folder in {self.root}",
                details=["Run kitgen in a workspace, or make one with `kitgen init DIR`."],
            )
        return sorted(
            p for p in self.requirements_dir.iterdir()
            if p.suffix in (".yaml", ".yml") and p.is_file()
        )

    def kit_dir(self, kit: str) -> Path:
        return inside(self.kits_dir, kit)

    def kit_ids(self) -> list[str]:
        if not self.kits_dir.is_dir():
            return []
        return sorted(
            p.name for p in self.kits_dir.iterdir()
            if p.is_dir() and not p.is_symlink() and not p.name.startswith((".", "_"))
        )
