"""The command line. Each command turns options into one call of a core function and prints.

Errors a user can cause are ``KitgenError`` subclasses and exit with their own code (1 or 2)
and no traceback; anything else is a bug and exits 3, with the traceback under ``--debug``.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from kitgen import __version__
from kitgen import console as out
from kitgen.errors import GateNotMet, InputError, InvalidKitFile, KitgenError

app = typer.Typer(
    name="kitgen",
    help="Build the sales kit sales and marketing negotiated, version it, and record sign-off.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

_debug = False
F = TypeVar("F", bound=Callable[..., Any])

FilesArg = Annotated[
    list[Path] | None,
    typer.Argument(help="Requirement files (default: every .yaml file in requirements/)."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


def handle_errors(command: F) -> F:
    """One place where errors become messages and exit codes (PRODUCT.md §4)."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except InvalidKitFile as error:
            out.problems(error.message, error.problems)
            raise typer.Exit(error.exit_code) from None
        except KitgenError as error:
            out.error(error.message, error.details)
            raise typer.Exit(error.exit_code) from None
        except typer.Exit:
            raise
        except BrokenPipeError:
            raise
        except KeyboardInterrupt:
            out.error("interrupted; nothing was half-written")
            raise typer.Exit(130) from None
        except Exception as error:  # noqa: BLE001 - the one place bugs are reported
            if _debug:
                traceback.print_exc()
            out.error(
                f"internal error: {type(error).__name__}: {error}",
                ["This is a bug in kitgen. Run again with --debug for the traceback "
                 "and report it."],
            )
            raise typer.Exit(3) from None

    return wrapper  # type: ignore[return-value]


def _version(value: bool) -> None:
    if value:
        print(f"kitgen {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    debug: Annotated[
        bool, typer.Option("--debug", help="Show tracebacks of internal errors.")
    ] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    global _debug
    _debug = debug


def workspace() -> Any:
    from kitgen.versions import Workspace

    return Workspace(Path.cwd())


def load(files: list[Path] | None) -> list[Any]:
    from kitgen.loader import load_kits

    ws = workspace()
    paths = files or ws.requirement_files()
    if not paths:
        raise InputError(
            f"no requirement files in {ws.requirements_dir}",
            details=["Add requirements/<kit>.yaml, or start from `kitgen init DIR`."],
        )
    return load_kits(paths, ws.root)


@app.command()
@handle_errors
def init(
    directory: Annotated[Path, typer.Argument(help="Folder to make the workspace in.")] = Path("."),
) -> None:
    """Make a workspace with the worked example kits.

    Example: kitgen init launch-kits && cd launch-kits && kitgen build
    """
    from kitgen.workspace import init_workspace

    written = init_workspace(directory)
    for path in written:
        out.say(f"created {out.esc(str(path))}")
    out.say(f"Next: cd {out.esc(str(directory))} && kitgen check && kitgen build")


@app.command()
@handle_errors
def schema() -> None:
    """Print the JSON Schema of the requirement file (for editors and validators).

    Example: kitgen schema > kit.schema.json
    """
    from kitgen.workspace import kit_schema

    out.emit_json(kit_schema())


@app.command()
@handle_errors
def check(
    files: FilesArg = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit 1 on warnings, open or undelivered requirements.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Validate requirement files and show where the negotiation stands. Renders nothing.

    Example: kitgen check requirements/northwind-analytics.yaml --strict
    """
    from kitgen.fieldready import check_warnings, roadmap_notes, today
    from kitgen.negotiation import summarize_negotiation

    ws = workspace()
    loaded = load(files)
    on = today()
    reports = [(item, summarize_negotiation(item.kit), check_warnings(item, on)) for item in loaded]
    from kitgen.eject import stale_ejected_templates

    stale = stale_ejected_templates(ws.templates_dir)
    if as_json:
        out.emit_json([
            {**_negotiation_json(item, state),
             "warnings": [{"item": w.item, "message": w.message, "line": w.line} for w in warns]
             + [{"item": f"templates/{n}", "message": m, "line": None} for n, m in stale],
             "roadmap": [{"item": n.item, "message": n.message} for n in roadmap_notes(item)],
             "feedback": cli_field.feedback_json(ws, item.kit.kit)}
            for item, state, warns in reports
        ])
    else:
        for item, state, warns in reports:
            _print_negotiation(item, state)
            for note in roadmap_notes(item):
                out.say(f"  roadmap: {out.esc(note.item)} {out.esc(note.message)}")
            lines = cli_field.feedback_lines(ws, item.kit.kit)
            if lines:
                out.say("  field feedback:")
                for line in lines:
                    out.say(f"    {out.esc(line)}")
            for warning in warns:
                out.warn(out.esc(str(warning)))
        for _, message in stale:
            out.warn(out.esc(message))
    if strict and (stale or any(not state.settled or warns for _, state, warns in reports)):
        raise typer.Exit(GateNotMet.exit_code)


def _negotiation_json(item: Any, state: Any) -> dict[str, Any]:
    def requirement(r: Any) -> dict[str, Any]:
        dumped: dict[str, Any] = r.model_dump(mode="json", by_alias=True, exclude_none=True)
        return dumped

    return {
        "file": item.name,
        "kit": item.kit.kit,
        "counts": state.counts,
        "settled": state.settled,
        "proposed": [requirement(r) for r in state.proposed],
        "disputed": [requirement(r) for r in state.disputed],
        "undelivered": [requirement(r) for r in state.undelivered],
    }


def _print_negotiation(item: Any, state: Any) -> None:
    kit = item.kit
    counts = ", ".join(f"{n} {status}" for status, n in state.counts.items())
    out.say(f"[bold]{out.esc(kit.kit)}[/] — {out.esc(kit.title)} ({out.esc(item.name)}): valid")
    out.say(f"  requirements: {counts}")
    for r in state.disputed:
        out.say(f"  [red]disputed[/] {out.esc(r.id)}: {out.esc(r.need)}")
        assert r.positions is not None
        out.say(f"      sales says:     {out.esc(r.positions.sales)}")
        out.say(f"      marketing says: {out.esc(r.positions.marketing)}")
    for r in state.proposed:
        out.say(f"  [yellow]proposed[/] {out.esc(r.id)} (by {r.from_}): {out.esc(r.need)}")
    for r in state.undelivered:
        out.say(f"  [yellow]undelivered[/] {out.esc(r.id)}: agreed, but no content delivers it "
                "(add `delivered_by:`)")
    if state.settled:
        out.say("  [green]ready for sign-off[/]: every requirement is agreed or dropped "
                "and delivered")
    else:
        out.say("  not ready for sign-off yet")


@app.command()
@handle_errors
def build(
    files: FilesArg = None,
    release: Annotated[
        bool,
        typer.Option("--release", help="Also render the released PDFs of every kit whose latest "
                     "version both sides approved; exit 1 listing every kit that is not "
                     "releasable."),
    ] = False,
    strict: Annotated[
        bool,
        typer.Option("--strict", help="Exit 1 on warnings (stale intelligence, long "
                     "battlecards)."),
    ] = False,
    keep_html: Annotated[
        bool,
        typer.Option("--keep-html", help="Also write the HTML handed to WeasyPrint beside each "
                     "PDF."),
    ] = False,
    jobs: Annotated[
        int | None,
        typer.Option("--jobs", "-j", min=1, help="Render on this many processes (default: the "
                     "number of cores). The PDFs are the same bytes whatever the number."),
    ] = None,
    shard: Annotated[
        str | None,
        typer.Option("--shard", metavar="I/N", help="Build only shard I of N (1 ≤ I ≤ N): a "
                     "stable split of the kits by id, for N parallel CI jobs. Every file is "
                     "still validated."),
    ] = None,
) -> None:
    """Build each kit into a new draft version, or nothing when its inputs are unchanged.

    Example: kitgen build requirements/northwind-analytics.yaml
    Example (the CI gate): kitgen build --release
    Example (CI job 2 of 4): kitgen build --shard 2/4
    """
    from kitgen.build import build_kits, in_shard, parse_shard, plan_kit
    from kitgen.catalog import write_catalog
    from kitgen.fieldready import check_warnings, long_battlecards, today
    from kitgen.pdf import default_jobs
    from kitgen.render import plan_documents
    from kitgen.versions import read_manifest

    part = parse_shard(shard) if shard is not None else None
    ws = workspace()
    loaded = load(files)
    if part is not None:
        loaded = [item for item in loaded if in_shard(item.kit.kit, *part)]
    on = today()
    warnings = [w for item in loaded for w in check_warnings(item, on)]
    plans = [plan_kit(ws, item) for item in loaded]
    total = sum(len(plan_documents(p.loaded.kit)) for p in plans if not p.unchanged)
    with out.progress(total, "rendering") as advance:
        results = build_kits(ws, plans, advance, keep_html=keep_html, jobs=jobs or default_jobs())
    for item, result in zip(loaded, results, strict=True):
        manifest = read_manifest(result.path)
        page_counts = {d["file"]: int(d["pages"]) for d in manifest.get("documents", [])}
        warnings += long_battlecards(item, page_counts)
    rows = []
    for result in results:
        if result.written:
            pages = sum(d.pages for d in result.documents)
            rows.append([result.kit, result.version, "written (draft)", len(result.documents),
                         pages, _rel(result.path)])
        else:
            rows.append([result.kit, result.version, "unchanged, nothing written", "", "",
                         _rel(result.path)])
    out.table("kitgen build", ["kit", "version", "result", "documents", "pages", "folder"], rows)
    for warning in warnings:
        out.warn(out.esc(str(warning)))
    write_catalog(ws)
    if release:
        from kitgen.cli_signoff import release_kits

        try:
            release_kits(ws, [r.kit for r in results])
        finally:
            write_catalog(ws)  # with what was released, even when another kit was not
    if strict and warnings:
        raise GateNotMet(f"{len(warnings)} warning(s) and --strict")


def _rel(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


from kitgen import cli_field, cli_signoff, cli_tools  # noqa: E402,F401  (register their commands)

PIPE_CLOSED = 141  # 128 + SIGPIPE: what a shell reports for `cat big | head`'s cat


def main() -> None:
    """The ``kitgen`` command. When the reader of its output goes away early (`kitgen check |
    head`), it stops quietly with exit code 141, as Unix tools killed by SIGPIPE do: not 0,
    which could hide a gate that was about to fail, and not 1, which says a gate failed."""
    try:
        app()
    except BrokenPipeError:
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the flush at exit
        sys.exit(PIPE_CLOSED)
    except SystemExit:
        # Typer (its click) catches a broken pipe itself, wraps stdout to silence it, and
        # exits 1.
        if type(sys.stdout).__name__ == "PacifyFlushWrapper":
            sys.exit(PIPE_CLOSED)
        raise


