"""Commands that fit kitgen into where people work: new, watch, doctor, templates eject."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from kitgen import cli
from kitgen import console as out
from kitgen.cli import FilesArg, JsonOpt, app, handle_errors, workspace
from kitgen.errors import GateNotMet

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
def new(
    kit: Annotated[
        str, typer.Argument(metavar="KIT", help="Kit id: lowercase letters, digits and dashes.")
    ],
) -> None:
    """Start a kit: write requirements/KIT.yaml with placeholders and comments explaining each part.

    Example: kitgen new acme-2-launch && kitgen check && kitgen build
    """
    from kitgen.fieldready import today
    from kitgen.scaffold import scaffold_kit

    ws = workspace()
    path = scaffold_kit(ws.root, kit, today())
    out.say(f"created {out.esc(cli._rel(path))}")
    out.say("Next: replace every REPLACE in it, then kitgen check && kitgen build")


@app.command()
@handle_errors
def watch(
    files: FilesArg = None,
    max_rebuilds: Annotated[
        int | None,
        typer.Option("--max-rebuilds", hidden=True, min=0,
                     help="Stop after this many rebuilds caused by changes (for tests)."),
    ] = None,
) -> None:
    """Rebuild draft kits whenever a requirement file or a template is saved; Ctrl-C stops.

    Example: kitgen watch requirements/northwind-analytics.yaml
    """
    import logging

    from watchfiles import watch as watch_folders

    from kitgen.watch import watch_rebuilds, watch_targets

    logging.getLogger("watchfiles").setLevel(logging.ERROR)  # its "stopping watch" on Ctrl-C
    ws = workspace()
    targets = watch_targets(ws, files)
    folders = targets.folders()

    def on_start(changed: tuple[str, ...]) -> None:
        if changed:
            _say_now(f"{_clock()} saved: {', '.join(changed)}; rebuilding")
        else:
            shown = ", ".join(cli._rel(f) + "/" for f in folders)
            _say_now(f"{_clock()} watching {shown} (Ctrl-C stops); building first")

    # The watcher yields an empty batch every 250 ms of quiet: the first one tells that it runs.
    batches = watch_folders(*folders, rust_timeout=250, yield_on_timeout=True,
                            raise_interrupt=False)
    rebuilds = 0
    try:
        for rebuild in watch_rebuilds(targets, batches, on_start):
            _say_rebuild(rebuild)
            rebuilds += 0 if rebuild.initial else 1
            if max_rebuilds is not None and rebuilds >= max_rebuilds:
                break
    except KeyboardInterrupt:
        pass
    _say_now("stopped watching")


def _clock() -> str:
    return dt.datetime.now().strftime("%H:%M:%S")


def _say_now(text: str) -> None:
    out.say(out.esc(text))
    sys.stdout.flush()


def _say_rebuild(rebuild: Any) -> None:
    if not rebuild.outcomes:
        out.say("  no requirement files to build")
    for o in rebuild.outcomes:
        if o.removed:
            out.say(f"  {out.esc(o.file)}: removed; nothing to build")
        elif o.error:
            out.error(f"{o.file}: {o.error}", list(o.details))
            if o.trace and cli._debug:
                print(o.trace, file=sys.stderr)
            out.say(f"  {out.esc(o.file)}: not built (see the error); still watching")
        elif o.written:
            out.say(f"  {out.esc(o.kit)}: version {o.version} written ({o.documents} documents, "
                    f"{o.pages} pages) in {out.esc(o.folder)}")
        else:
            out.say(f"  {out.esc(o.kit)}: unchanged, nothing written (version {o.version})")
        for warning in o.warnings:
            out.warn(out.esc(warning))
    sys.stderr.flush()
    sys.stdout.flush()


@app.command()
@handle_errors
def doctor(as_json: JsonOpt = False) -> None:
    """Check what kitgen needs on this machine and say how to fix each missing piece.

    Exits 1 when a required piece (WeasyPrint 70+, Pango, kitgen's fonts) is missing; optional
    ones (HarfBuzz subset, a git identity, ssh-keygen) are reported as warnings.

    Example: kitgen doctor --json
    """
    from kitgen.doctor import all_required_ok, run_checks

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
    from kitgen.eject import eject_templates

    ws = workspace()
    for item in eject_templates(ws.templates_dir, names, force):
        verb = "replaced" if item.overwritten else "created"
        out.say(f"{verb} {out.esc(cli._rel(item.path))}")
    out.say("Templates are part of a version's identity: "
            "the next `kitgen build` makes a new version.")
