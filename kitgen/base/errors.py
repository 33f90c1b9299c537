"""Every error a user or the machine can cause, in one place.

Each class carries its exit code (the README's table) and builds its own message, so the CLI
turns any of them into one clean report: ``1`` a gate is not met, ``2`` bad input or usage,
``4`` the disk refused a write. Anything not derived from ``KitgenError`` is a bug and exits 3.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file, located as precisely as we can."""

    file: str
    line: int | None
    column: int | None
    path: str
    message: str
    fix: str = ""

    @property
    def where(self) -> str:
        if self.line is None:
            return self.file
        return f"{self.file}:{self.line}:{self.column or 1}"

    def __str__(self) -> str:
        field = f" {self.path}:" if self.path else ""
        fix = f" Fix: {self.fix}" if self.fix else ""
        return f"{self.where}:{field} {self.message}.{fix}"


@dataclass(frozen=True)
class CellProblem(Problem):
    """A problem in a workbook or CSV file: ``line`` is the row, ``column`` its number, shown
    as a spreadsheet shows them (``sheet Requirements, row 4, column D``)."""

    sheet: str = ""

    @property
    def where(self) -> str:
        parts = [self.file] + ([f"sheet {self.sheet}"] if self.sheet else [])
        if self.line is not None:
            parts.append(f"row {self.line}")
        if self.column is not None:
            parts.append(f"column {column_letter(self.column)}")
        return ", ".join(parts)


def column_letter(number: int) -> str:
    """1 → A, 27 → AA: how spreadsheets name a column."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


class KitgenError(Exception):
    exit_code = 3

    def __init__(self, message: str, *, details: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []


class InputError(KitgenError):
    """Bad input or usage: a file, an argument, a workspace (exit 2)."""

    exit_code = 2


class InvalidKitFile(InputError):
    """One or more problems in requirement files, all reported at once."""

    def __init__(self, problems: list[Problem]) -> None:
        files = sorted({p.file for p in problems})
        count = len(problems)
        super().__init__(
            f"{count} problem{'s' if count != 1 else ''} in {', '.join(files)}",
            details=[str(p) for p in problems],
        )
        self.problems = problems


class InvalidBrandFile(InvalidKitFile):
    """One or more problems in a brand file or the logos and fonts it names, all at once."""


class VersionConflict(InputError):
    """A pinned version that is not above the latest version, or that names an existing
    version whose content differs: a built version never changes, and the latest version is
    the one sign-off and the release gate judge."""

    def __init__(self, kit: str, pin: str, latest: str, suggestion: str,
                 existing: str | None = None) -> None:
        clash = f" (version {existing} already exists with other content)" if existing else ""
        super().__init__(
            f"kit {kit!r}: pinned version {pin} is not above the latest version {latest}{clash}",
            details=[
                "A built version never changes, and versions compare as versions (1 is "
                f"1.0.0). Bump `version:` above {latest}, e.g. to \"{suggestion}\", or remove "
                "the pin to number versions 1, 2, 3…"
            ],
        )


class UnknownKit(InputError):
    """A kit id that names no built kit: the nearest ids and every kit there is, so a typo is
    fixed at once."""

    def __init__(self, kit: str, known: list[str], has_file: bool = False) -> None:
        if has_file:
            super().__init__(f"kit {kit!r} has no built version yet",
                             details=["Run `kitgen build` first."])
            return
        import difflib

        near = difflib.get_close_matches(kit.lower(), known, n=3, cutoff=0.6)
        details = [f"Did you mean {' or '.join(near)}?"] if near else []
        details.append(f"Kits: {', '.join(known)}." if known
                       else "No kit has been built here yet: run `kitgen build` first.")
        super().__init__(f"no kit {kit!r} in kits/", details=details)
class UnreadableFile(InputError):
    """A workspace file kitgen will not or cannot read: one reached through a link out of the
    workspace, a FIFO or a device, or one it has no permission to read."""

    def __init__(self, path: str, reason: str, fix: str) -> None:
        super().__init__(f"{path}: {reason}", details=[f"Fix: {fix}."])
        self.path = path
        self.reason = reason
        self.fix = fix


class SettingError(InputError):
    """An environment variable kitgen reads holds a value it cannot use."""

    def __init__(self, name: str, value: str, expected: str) -> None:
        super().__init__(
            f"{name}={value!r} is not {expected.split(', e.g.')[0]}",
            details=[f"Set {name} to {expected}, or unset it to use the default."],
        )


class DiskError(KitgenError):
    """The disk refused a write (full, read-only, no permission); nothing was half-written.
    Not a bug and not bad input: its own exit code, so a CI job can tell it apart."""

    exit_code = 4


class GateNotMet(KitgenError):
    """A gate is not met: missing sign-off, open requirements, failed verification (exit 1)."""

    exit_code = 1


class RenderError(KitgenError):
    """A template failed or a render ran away; the user's templates or data are at fault."""

    exit_code = 2
