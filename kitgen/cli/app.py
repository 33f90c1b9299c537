"""The Typer app, the one place errors become messages and exit codes, and what every command
shares (the workspace, loading requirement files, common options).

Command modules register themselves on ``app``; this module never imports them (``main.py``
does), so the import graph has no cycle. Errors a user can cause are ``KitgenError``
subclasses and exit with their own code and no traceback; anything else is a bug and exits 3,
with the traceback under ``--debug``.
"""

from __future__ import annotations

import functools
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from kitgen import __version__
from kitgen.base.errors import InputError, InvalidKitFile, KitgenError, Problem
from kitgen.cli import console as out

if TYPE_CHECKING:
    from kitgen.base.workspace import Workspace
    from kitgen.load.positions import LoadedKit

app = typer.Typer(
    name="kitgen",
    help="Build the sales kit sales and marketing negotiated, version it, and record sign-off.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

F = TypeVar("F", bound=Callable[..., Any])


class _State:
    """Options of the whole command line, set by the callback before any command runs."""

    debug = False
    root_named = False  # "using the workspace in …" is said once per command


state = _State()

FilesArg = Annotated[
    list[Path] | None,
    typer.Argument(help="Requirement files (default: every .yaml file in requirements/)."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


def handle_errors(command: F) -> F:
    """One place where errors become messages and exit codes: on stderr for people, as a JSON
    document on stdout with --json, and as annotations under GitHub Actions."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        out.start_command(bool(kwargs.get("as_json")))
        try:
            return command(*args, **kwargs)
        except InvalidKitFile as error:
            out.problems(error.message, error.problems)
            for problem in error.problems:
                out.annotate("error", str(problem).removeprefix(problem.where + ": "),
                             problem.file, problem.line, problem.column)
            out.emit_failure(error.message, error.exit_code,
                             [problem_json(p) for p in error.problems])
            raise typer.Exit(error.exit_code) from None
        except KitgenError as error:
            out.error(error.message, error.details)
            _report_for_machines(error.message, error.details, error.exit_code)
            raise typer.Exit(error.exit_code) from None
        except typer.Exit:
            raise
        except BrokenPipeError:
            raise
        except KeyboardInterrupt:
            out.error("interrupted; nothing was half-written")
            raise typer.Exit(130) from None
        except Exception as error:  # noqa: BLE001 - the one place bugs are reported
            if state.debug:
                traceback.print_exc()
            message = f"internal error: {type(error).__name__}: {error}"
            advice = ("This is a bug in kitgen. Run again with --debug for the traceback "
                      "and report it.")
            out.error(message, [advice])
            _report_for_machines(message, [advice], 3)
            raise typer.Exit(3) from None

    return wrapper  # type: ignore[return-value]


def _report_for_machines(message: str, details: list[str], exit_code: int) -> None:
    """A failure with no place in a file: an annotation, and the JSON document with --json."""
    fix = " ".join(details)
    out.annotate("error", f"{message} {fix}".strip())
    out.emit_failure(message, exit_code, [{"file": None, "line": None, "column": None,
                                           "field": "", "message": message, "fix": fix}])


def problem_json(problem: Problem) -> dict[str, Any]:
    """A problem in a requirement file, for machines."""
    return {"file": problem.file, "line": problem.line, "column": problem.column,
            "field": problem.path, "message": problem.message, "fix": problem.fix}


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
    state.debug = debug
    state.root_named = False


def workspace() -> Workspace:
    """The workspace the current folder is in (the folder itself, or one above it)."""
    from kitgen.base.workspace import Workspace, find_root

    here = Path.cwd()
    root = find_root(here)
    if root != here.absolute() and not state.root_named:
        out.note(f"using the workspace in {root}")
        state.root_named = True
    return Workspace(root)


def load(files: list[Path] | None) -> list[LoadedKit]:
    """The requirement files named, or every one in the workspace, all validated."""
    from kitgen.load.reader import load_kits

    ws = workspace()
    paths = files or ws.requirement_files()
    if not paths:
        raise InputError(
            f"no requirement files in {ws.requirements_dir}",
            details=["Add requirements/<kit>.yaml, or start from `kitgen init DIR`."],
        )
    return load_kits(paths, ws.root)
