"""``sheet import``: a workbook merged three ways into its requirement file, checked before
anything is written, then written atomically.

The new file is loaded with kitgen's own loader before it is written, and must hold exactly the
merged requirements and everything else unchanged; a file that changed while its changes were
reviewed is not overwritten.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from kitgen.base.errors import InputError, InvalidKitFile
from kitgen.base.files import write_file_atomic
from kitgen.load.model import Requirement
from kitgen.load.positions import LoadedKit
from kitgen.load.reader import MAX_FILE_BYTES, load_kit_bytes
from kitgen.load.sheet.edit import edit_requirements
from kitgen.load.sheet.layout import RequirementRow, row_of
from kitgen.load.sheet.merge import Merge, merge_rows
from kitgen.load.sheet.read import SheetContent, read_workbook


@dataclass(frozen=True)
class ImportPlan:
    """What importing a workbook would do; ``new_raw`` is None when there is nothing to write
    (no change, or conflicts)."""

    loaded: LoadedKit
    sheet: SheetContent
    merge: Merge
    new_raw: bytes | None

    @property
    def file_changed_since_export(self) -> bool:
        return hashlib.sha256(self.loaded.raw).hexdigest() != self.sheet.file_sha256


def plan_import(loaded: LoadedKit, workbook: Path, workbook_name: str) -> ImportPlan:
    """Read, check and merge ``workbook`` into ``loaded``; writes nothing."""
    sheet = read_workbook(workbook, workbook_name, loaded.kit)
    current = [row_of(r) for r in loaded.kit.requirements]
    merge = merge_rows(sheet.base, sheet.rows, current)
    if merge.conflicts or not (merge.changes or merge.added):
        return ImportPlan(loaded, sheet, merge, None)
    text = loaded.raw.decode("utf-8")
    new_raw = edit_requirements(text, merge.rows, current).encode("utf-8")
    _check_result(loaded, new_raw, merge.rows)
    return ImportPlan(loaded, sheet, merge, new_raw)


def write_import(plan: ImportPlan) -> Path:
    """Write the merged file, unless it changed since ``plan`` read it."""
    path = plan.loaded.path
    if plan.new_raw is None:
        raise InputError("nothing to write")
    if path.is_symlink():
        raise InputError(f"{plan.loaded.name} is a symbolic link; kitgen does not write through "
                         "links", details=["Replace the link with the file itself."])
    if path.read_bytes() != plan.loaded.raw:
        raise InputError(f"{plan.loaded.name} changed while the import was being reviewed; "
                         "nothing was written", details=["Run the import again."])
    write_file_atomic(path, plan.new_raw)
    return path


def _check_result(loaded: LoadedKit, new_raw: bytes, rows: tuple[RequirementRow, ...]) -> None:
    """The file about to be written loads with kitgen's own loader and says exactly what the
    merge decided: the merged requirements, and every other field unchanged."""
    name = loaded.name
    if len(new_raw) > MAX_FILE_BYTES:
        raise InputError(f"with these changes {name} would be {len(new_raw):,} bytes, over the "
                         f"{MAX_FILE_BYTES:,} a requirement file may hold; nothing was written")
    try:
        result = load_kit_bytes(new_raw, loaded.path, name)
    except InvalidKitFile as error:
        raise InputError(f"with these changes {name} would not be valid; nothing was written",
                         details=[p.message + (f" ({p.path})" if p.path else "")
                                  for p in error.problems]) from None
    wanted = [Requirement.model_validate(row.as_data()) for row in rows]
    others = {"requirements"}
    if list(result.kit.requirements) != wanted or \
            result.kit.model_dump(exclude=others) != loaded.kit.model_dump(exclude=others):
        raise InputError(f"kitgen could not write these changes into {name} in place; nothing "
                         "was written", details=["Please report this with the file: it is a bug "
                                                 "in kitgen's editor."])
