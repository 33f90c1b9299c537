"""``kitgen sheet export`` and ``kitgen sheet import``: the negotiation as a workbook for the
side that works in spreadsheets, and back into the requirement file."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from kitgen.base.errors import InputError
from kitgen.cli import console as out
from kitgen.cli import views
from kitgen.cli.app import JsonOpt, app, handle_errors, workspace
from kitgen.cli.views import shown

if TYPE_CHECKING:
    from kitgen.base.workspace import Workspace
    from kitgen.load.positions import LoadedKit

sheet_app = typer.Typer(
    help="The negotiation as a workbook (.xlsx) a sales leader can work in, and back.",
    no_args_is_help=True,
)
app.add_typer(sheet_app, name="sheet")

KitArg = Annotated[str, typer.Argument(help="Kit id, e.g. northwind-mobile.")]


def load_kit_file(ws: Workspace, kit: str) -> LoadedKit:
    """The requirement file of ``kit``: ``requirements/<kit>.yaml`` (or ``.yml``)."""
    from kitgen.base.files import inside
    from kitgen.load.reader import load_kit

    for suffix in (".yaml", ".yml"):
        path = inside(ws.requirements_dir, f"{kit}{suffix}")
        if path.is_file():
            loaded = load_kit(path, ws.root)
            if loaded.kit.kit != kit:
                raise InputError(f"{loaded.name} holds kit {loaded.kit.kit!r}, not {kit!r}",
                                 details=[f"Name the file after its kit: {loaded.kit.kit}.yaml"])
            return loaded
    known = ", ".join(p.stem for p in ws.requirement_files()) or "none"
    raise InputError(f"no requirement file for kit {kit!r} in {shown(ws.requirements_dir)}",
                     details=[f"Kits here: {known}."])


@sheet_app.command("export")
@handle_errors
def export_sheet(
    kit: KitArg,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Workbook to write (default: <kit>.xlsx in this folder).")] = None,
    force: Annotated[bool, typer.Option(
        "--force", help="Replace the workbook if it exists (its edits are lost).")] = False,
) -> None:
    """Write the kit's requirements as a workbook: one row per requirement, status as a
    drop-down, and a read-only sheet of the items that deliver them.

    Example: kitgen sheet export northwind-mobile -o northwind-mobile.xlsx
    """
    from kitgen.base.files import write_file_atomic
    from kitgen.load.sheet.export import export_workbook
    from kitgen.version.numbering import list_versions

    ws = workspace()
    loaded = load_kit_file(ws, kit)
    versions = list_versions(ws.kit_dir(kit))
    target = output or Path.cwd() / f"{kit}.xlsx"
    if target.suffix.lower() != ".xlsx":
        raise InputError(f"{target} does not end in .xlsx", details=["Name the workbook "
                                                                     "FILE.xlsx."])
    if target.exists() and not force:
        raise InputError(f"{shown(target)} exists; nothing written",
                         details=["Import it first if it holds edits, then pass --force to "
                                  "replace it, or write another file with -o."])
    write_file_atomic(target, export_workbook(loaded, versions[-1] if versions else None))
    version = f"version {versions[-1]}" if versions else "not built yet"
    count = views.plural(len(loaded.kit.requirements), "requirement")
    out.say(f"wrote {out.esc(shown(target))}: {count} of {out.esc(kit)} ({version})")
    out.say(f"Edit the Requirements sheet, then run: kitgen sheet import {out.esc(kit)} "
            f"{out.esc(shown(target))}")


@sheet_app.command("import")
@handle_errors
def import_sheet(
    kit: KitArg,
    workbook: Annotated[Path, typer.Argument(help="The workbook exported with `kitgen sheet "
                                                  "export` and edited.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Write without asking (for "
                                                          "scripts).")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would change; write "
                                                            "nothing.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Merge an edited workbook into requirements/<kit>.yaml, three ways against the export:
    shows every change, asks, then writes only the changed values.

    A field changed both in the workbook and in the file since the export is a conflict:
    reported, nothing written (exit 1). Example: kitgen sheet import northwind-mobile
    northwind-mobile.xlsx
    """
    from kitgen.load.sheet.importing import plan_import, write_import

    ws = workspace()
    loaded = load_kit_file(ws, kit)
    plan = plan_import(loaded, workbook, shown(workbook))
    if as_json:
        out.emit_json(views.import_json(plan, written=False))
    else:
        views.print_import(plan)
    if plan.merge.conflicts:
        raise typer.Exit(1)
    if plan.new_raw is None or dry_run:
        return
    if not yes:
        if not sys.stdin.isatty():
            raise InputError("no terminal to confirm on; pass --yes to write without asking")
        if not typer.confirm(f"Write these changes to {loaded.name}?", default=False):
            out.say("nothing written")
            raise typer.Exit(1)
    path = write_import(plan)
    if not as_json:
        out.say(f"wrote {out.esc(shown(path, ws.root))}; run `kitgen check` to see where the "
                "negotiation stands")
