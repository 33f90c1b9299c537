"""Commands import only what they use. Those that render nothing never import WeasyPrint, whose
import alone costs more than the rest of such a command: ``--help``, ``check``, ``status``, and
a build with nothing to render. A build with nothing to do reads no YAML at all (it answers from
the stamp of the last build), and ``check`` and ``status`` outside a terminal load neither the
templates' engine, the renderer's process pool, the PDF reader, nor rich's terminal styling."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import ExampleBuilds, clean_env, make_workspace, minimal_kit

pytestmark = pytest.mark.slow

# Runs the CLI as the `kitgen` script does, then reports which modules were loaded.
PROBE = """
import atexit, json, sys
REPORT = sys.argv[1]
def report():
    with open(REPORT, "w") as out:
        json.dump(sorted(sys.modules), out)
atexit.register(report)
sys.argv = ["kitgen", *sys.argv[2:]]
from kitgen.cli.main import main
main()
"""
RENDERER = ("weasyprint", "pydyf")


def loaded_modules(tmp_path: Path, cwd: Path, *args: str, **env: str) -> list[str]:
    report = tmp_path / "modules.json"
    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(report), *args],
        cwd=cwd, capture_output=True, text=True, env=clean_env(**env), timeout=600,
    )
    assert result.returncode in (0, 1), result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    modules: list[str] = json.loads(report.read_text())
    return modules


def loaded_renderer_modules(tmp_path: Path, cwd: Path, *args: str, **env: str) -> list[str]:
    return [m for m in loaded_modules(tmp_path, cwd, *args, **env)
            if m.split(".")[0] in RENDERER]


@pytest.mark.parametrize(
    "args", [["--help"], ["check"], ["check", "--json"], ["status"], ["status", "--json"],
             ["build", "--help"]],
)
def test_commands_that_render_nothing_never_import_weasyprint(
    example_builds: ExampleBuilds, tmp_path: Path, args: list[str]
) -> None:
    assert loaded_renderer_modules(tmp_path, example_builds.first, *args) == []


@pytest.mark.parametrize("args", [["check"], ["check", "--json"], ["status"],
                                  ["status", "--json"]])
def test_check_and_status_outside_a_terminal_load_only_what_they_use(
    example_builds: ExampleBuilds, tmp_path: Path, args: list[str]
) -> None:
    loaded = loaded_modules(tmp_path, example_builds.first, *args)
    unused = ("jinja2", "multiprocessing", "concurrent", "pypdf", "rich.console", "rich.table",
              "kitgen.render.scheduler", "kitgen.render.pdf", "kitgen.version.build")
    assert [m for m in loaded if m in unused] == []
    assert "kitgen.load.model" in loaded  # the probe does see kitgen's own imports


def test_a_build_with_nothing_to_do_reads_no_yaml(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws", minimal_kit())
    cache = {"KITGEN_CACHE_DIR": str(tmp_path / "cache")}
    first = loaded_modules(tmp_path, root, "build", "--jobs", "1", **cache)
    assert "yaml" in first and "kitgen.load.model" in first
    again = loaded_modules(tmp_path, root, "build", **cache)
    assert [m for m in again if m.split(".")[0] in ("yaml", *RENDERER)
            or m.startswith(("kitgen.load", "kitgen.render"))] == []


def test_a_build_with_nothing_to_render_never_imports_weasyprint(
    example_builds: ExampleBuilds, tmp_path: Path
) -> None:
    assert loaded_renderer_modules(tmp_path, example_builds.first, "build") == []


def test_a_build_served_from_the_cache_never_imports_weasyprint(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws", minimal_kit())
    cache = {"KITGEN_CACHE_DIR": str(tmp_path / "cache")}
    first = loaded_renderer_modules(tmp_path, root, "build", "--jobs", "1", **cache)
    assert "weasyprint" in first  # the probe does see an import when there is one
    shutil.rmtree(root / "kits" / "acme-launch")
    assert loaded_renderer_modules(tmp_path, root, "build", **cache) == []
    assert (root / "kits" / "acme-launch" / "1" / "manifest.json").is_file()


FALLBACK = """
import contextlib
import kitgen.render.pdf as pdf

@contextlib.contextmanager
def failing():
    import weasyprint.urls  # half an import, as a failed one leaves behind
    yield
    raise OSError("cannot load library")

pdf._without_library_search = failing
weasyprint = pdf._weasyprint()
print(weasyprint.HTML.__name__, weasyprint.text.ffi.pango is not None)
"""


def test_weasyprint_is_imported_the_slow_way_when_the_fast_way_fails(tmp_path: Path) -> None:
    # kitgen skips WeasyPrint's search for library names through ldconfig, gcc and ld; where
    # the libraries cannot be found without it, it must import WeasyPrint as WeasyPrint would.
    result = subprocess.run([sys.executable, "-c", FALLBACK], capture_output=True, text=True,
                            env=clean_env(), timeout=600, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["HTML", "True"]
