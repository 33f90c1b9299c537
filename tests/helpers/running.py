"""One way to run kitgen in a test: ``run_kitgen``.

In this process by default, through Typer's test runner: a real process costs about 0.35 s of
start-up, a call in-process almost nothing. With ``real_process=True`` it is ``python -m kitgen``
as a user or CI would run it — for what only a process shows (a traceback printed by the
interpreter, a Python tag that would really execute, environment read at start-up);
``start_kitgen`` starts one without waiting, to kill it or race it. Either way the command sees
the environment of a CI job: no identity, no git configuration, no colour, no build date from the
developer's shell.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from typer.testing import CliRunner

from kitgen.cli.main import app

# Whatever the developer's shell holds, these never reach a kitgen run under test.
SCRUBBED = ("KITGEN_NAME", "KITGEN_EMAIL", "SOURCE_DATE_EPOCH", "FORCE_COLOR", "GIT_DIR",
            "GIT_WORK_TREE", "GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME",
            "GIT_COMMITTER_EMAIL", "EMAIL",
            # pytest-xdist's workers set COLUMNS=80, which plain tables would wrap to.
            "COLUMNS")
# ...and these always do: plain output, and git without the developer's own configuration.
PINNED = {"NO_COLOR": "1", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}

Env = Mapping[str, str | None]


def clean_env(**extra: str | None) -> dict[str, str]:
    """A CI job's environment for a real process; ``extra`` adds variables (None unsets).
    (conftest.py gives the test process itself the same, for the whole session.)"""
    env = {k: v for k, v in os.environ.items() if k not in SCRUBBED} | PINNED
    for key, value in extra.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


class Ran(NamedTuple):
    """What a kitgen run gave back: ``code, stdout, stderr = run_kitgen(...)``."""

    code: int
    stdout: str
    stderr: str

    @property
    def exit_code(self) -> int:
        """``code``, by the name click's results use (for tests written against them)."""
        return self.code

    @property
    def returncode(self) -> int:
        """``code``, by the name subprocess results use (for tests written against them)."""
        return self.code

    @property
    def output(self) -> str:
        """stdout then stderr, as written."""
        return self.stdout + self.stderr

    @property
    def text(self) -> str:
        """stdout and stderr, whitespace squashed, for phrases that may wrap."""
        return " ".join((self.stdout + "\n" + self.stderr).split())


def kitgen_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "kitgen", *args]


def run_kitgen(*args: str, cwd: Path, env: Env | None = None, real_process: bool = False,
               input: str | None = None, timeout: float = 600) -> Ran:
    """Run ``kitgen ARGS`` in ``cwd`` (the CLI takes the workspace from there); ``env`` adds
    variables to the clean environment, or unsets them with None."""
    if real_process:
        result = subprocess.run(
            kitgen_command(*args), cwd=cwd, env=clean_env(**(env or {})), input=input,
            stdin=subprocess.DEVNULL if input is None else None, capture_output=True, text=True,
            timeout=timeout,
        )
        return Ran(result.returncode, result.stdout, result.stderr)
    # In this process the environment is the suite's, kept clean by conftest.py from the start
    # of the session (so a variable a test sets with monkeypatch reaches the command).
    with working_directory(cwd):
        result = CliRunner().invoke(app, list(args), env=dict(env or {}), input=input,
                                    catch_exceptions=False)
    return Ran(result.exit_code, result.stdout, result.stderr)


def start_kitgen(*args: str, cwd: Path, env: Env | None = None,
                 **popen: Any) -> subprocess.Popen[Any]:
    """``kitgen ARGS`` in a real process, without waiting: to run several side by side or kill
    one. Text pipes for stdout and stderr unless ``popen`` says otherwise."""
    options: dict[str, Any] = {"stdin": subprocess.DEVNULL, "stdout": subprocess.PIPE,
                               "stderr": subprocess.PIPE, "text": True}
    options.update(popen)
    return subprocess.Popen(kitgen_command(*args), cwd=cwd, env=clean_env(**(env or {})),
                            **options)


@contextmanager
def working_directory(cwd: Path) -> Iterator[None]:
    before = Path.cwd()
    os.chdir(cwd)
    try:
        yield
    finally:
        os.chdir(before)


def must(result: Ran) -> Ran:
    assert result.code == 0, result.text
    return result


def git(*args: str, cwd: Path,
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=cwd,
                          env=env or git_env("Test Runner", "runner@example.invalid"),
                          capture_output=True, text=True, timeout=600)


def git_env(name: str, email: str) -> dict[str, str]:
    return clean_env(GIT_AUTHOR_NAME=name, GIT_AUTHOR_EMAIL=email, GIT_COMMITTER_NAME=name,
                     GIT_COMMITTER_EMAIL=email)


@dataclass(frozen=True)
class ExampleBuilds:
    """The worked example made with `kitgen init` and built with `kitgen build`, twice (the
    ``example_builds`` fixture)."""

    first: Path
    second: Path
    init: Ran
    builds: tuple[Ran, ...]  # one per workspace

    def version_dir(self, kit: str, root: Path | None = None) -> Path:
        return (root or self.first) / "kits" / kit / "1"
