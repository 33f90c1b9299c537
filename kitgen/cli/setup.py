"""Commands that set kitgen up where people work: init, new, schema, templates eject, doctor."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kitgen.base.errors import GateNotMet
from kitgen.cli import console as out
from kitgen.cli.app import JsonOpt, app, handle_errors, workspace
from kitgen.cli.views import shown

templates_app = typer.Typer(
    name="templates",
    help="Customise the templates kits are rendered with.",
    no_args_is_help=True,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(templates_app, name="templates")


@app.command()
@handle_errors
def init(
    directory: Annotated[Path, typer.Argument(help="Folder to make the workspace in.")] = Path("."),
) -> None:
    """Make a workspace with the worked example kits.

    Example: kitgen init launch-kits && cd launch-kits && kitgen build
    """
    from kitgen.load.scaffold import init_workspace

    written = init_workspace(directory)
    for path in written:
        out.say(f"created {out.esc(str(path))}")
    out.say("brand.yml gives every document its logo, colours, fonts and paper: put your "
            "company's in place of the example's.")
    out.say(f"Next: cd {out.esc(str(directory))} && kitgen check && kitgen build")


@app.command()
@handle_errors
def schema(
    markdown: Annotated[
        bool, typer.Option("--markdown", help="Print the file format reference for people "
                           "(docs/file-format.md) instead.")
    ] = False,
) -> None:
    """Print the JSON Schema of the requirement file (for editors and validators).

    Example: kitgen schema > kit.schema.json
    Example (the reference for people): kitgen schema --markdown > file-format.md
    """
    if markdown:
        from kitgen.load.formatdoc import file_format_markdown

        out.emit_text(file_format_markdown())
        return
    from kitgen.load.schema import schema_text

    out.emit_text(schema_text())


@app.command()
@handle_errors
def new(
    kit: Annotated[
        str, typer.Argument(metavar="KIT", help="Kit id: lowercase letters, digits and dashes.")
    ],
) -> None:
    """Start a kit: write requirements/KIT.yaml with placeholders and comments explaining each part.

    Example: kitgen new acme-2-launch && kitgen check && kitgen build
    """
    from kitgen.base.settings import today
    from kitgen.load.brand import find_brand_file
    from kitgen.load.scaffold import scaffold_kit

    root = workspace().root
    path = scaffold_kit(root, kit, today())
    out.say(f"created {out.esc(shown(path))}")
    brand = find_brand_file(root)
    if brand is not None:
        out.say(f"Its documents carry the logo, colours and fonts of {out.esc(shown(brand))}; "
                "`brand: FILE` in the kit names another brand file.")
    else:
        out.say("Its documents use kitgen's neutral look: add a brand.yml (logo, colours, "
                "fonts, paper; `kitgen init` writes an example) to brand them.")
    out.say("Next: replace every REPLACE in it, then kitgen check && kitgen build")


@app.command()
@handle_errors
def doctor(as_json: JsonOpt = False) -> None:
    """Check what kitgen needs on this machine and say how to fix each missing piece.

    Exits 1 when a required piece (WeasyPrint 70+, Pango, kitgen's fonts) is missing; optional
    ones (HarfBuzz subset, a git identity, ssh-keygen) are reported as warnings.

    Example: kitgen doctor --json
    """
    from kitgen.verify.doctor import all_required_ok, run_checks

    checks = run_checks(Path.cwd())
    ok = all_required_ok(checks)
    if as_json:
        out.emit_json({"ok": ok, "checks": [c.as_json() for c in checks]})
        if not ok:
            raise typer.Exit(GateNotMet.exit_code)
        return
    out.table("kitgen doctor", ["check", "status", "detail"],
              [[c.name, c.status, c.detail] for c in checks])
    for c in checks:
        if c.ok or c.fix is None:
            continue
        why = f" ({out.esc(c.why)})" if c.why else ""
        out.say(f"{out.esc(c.name)}: {out.esc(c.detail)}{why}")
        out.say(f"  fix on Debian/Ubuntu: {out.esc(c.fix.debian)}")
        out.say(f"  fix on macOS:         {out.esc(c.fix.macos)}")
    if not ok:
        missing = [c.name for c in checks if c.required and not c.ok]
        raise GateNotMet(f"kitgen cannot build on this machine: missing {', '.join(missing)}")
    out.say("[green]ready[/]: every required piece is there")


@templates_app.command("eject")
@handle_errors
def eject(
    names: Annotated[
        list[str] | None,
        typer.Argument(metavar="[NAME]...",
                       help="Built-in templates to copy, e.g. battlecard.html.j2 (default: all)."),
    ] = None,
    force: Annotated[
        bool,
        typer.Option("--force",
                     help="Replace copies already in templates/ (their changes are lost)."),
    ] = False,
) -> None:
    """Copy built-in templates into templates/ to customise them; they then override kitgen's.

    Each copy starts with a comment naming the built-in file it came from, so `kitgen check`
    can warn when a kitgen upgrade changes that built-in template.

    Example: kitgen templates eject battlecard.html.j2
    """
    from kitgen.render.eject import eject_templates

    for item in eject_templates(workspace().templates_dir, names, force):
        verb = "replaced" if item.overwritten else "created"
        out.say(f"{verb} {out.esc(shown(item.path))}")
    out.say("A copy renders exactly as kitgen's own until you edit it: the next `kitgen build` "
            "after an edit makes a new version.")
