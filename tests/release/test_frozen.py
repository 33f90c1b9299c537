"""`kitgen release`: the CI gate that never builds. It releases the latest version when the
inputs are exactly those it was built from, and otherwise exits 1 saying which input differs
(the requirement file's data, a template, kitgen's version) and what to do."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import OPEN_EXAMPLE, READY_EXAMPLE, REPO, ExampleBuilds, run_kitgen

# Every test starts from the worked example, built once per session.
pytestmark = pytest.mark.slow

SIGNERS = {"marketing": ("Priya Shah", "priya.shah@northwind.example"),
           "sales": ("Marcus Bell", "marcus.bell@northwind.example")}
READY_FILE = f"requirements/{READY_EXAMPLE}.yaml"


def approve(root: Path, *sides: str) -> None:
    for side in sides:
        name, email = SIGNERS[side]
        result = run_kitgen("approve", READY_EXAMPLE, "--side", side, "--yes", "--name", name,
                            "--email", email, cwd=root)
        assert result.code == 0, result.output


@pytest.fixture
def signed(example_builds: ExampleBuilds, copy_of: Callable[[Path], Path]) -> Path:
    root = copy_of(example_builds.first)
    approve(root, "marketing", "sales")
    return root


def versions(root: Path) -> list[str]:
    return sorted(p.name for p in (root / "kits" / READY_EXAMPLE).iterdir()
                  if p.is_dir() and p.name[0].isdigit())


def test_release_of_a_signed_kit_renders_it_and_builds_nothing(
    signed: Path
) -> None:
    result = run_kitgen("release", READY_FILE, cwd=signed)
    assert result.code == 0, result.output
    assert f"{READY_EXAMPLE}  1        released now" in result.stdout
    assert (signed / "kits" / READY_EXAMPLE / "1" / "released" / "release.json").is_file()
    assert versions(signed) == ["1"]
    again = run_kitgen("release", READY_FILE, "--json", cwd=signed)
    assert again.code == 0
    assert json.loads(again.stdout)[0]["released"] is True


def test_an_edit_after_sign_off_is_named_not_built(signed: Path) -> None:
    path = signed / READY_FILE
    path.write_text(path.read_text(encoding="utf-8").replace(
        "status: agreed", "status: proposed", 1), encoding="utf-8")
    before = sorted(p.relative_to(signed) for p in (signed / "kits").rglob("*"))
    result = run_kitgen("release", READY_FILE, cwd=signed)
    assert result.code == 1
    out = " ".join(result.stdout.split())
    assert (f"{READY_EXAMPLE}: not releasable: the requirement file's data differs from "
            "version 1's snapshot (changed: requirements);") in out
    assert ": status agreed → proposed" in out
    assert ("what to do: restore the inputs version 1 was built from (its snapshot is "
            f"kits/{READY_EXAMPLE}/1/requirements.yaml); or build a new version") in out
    assert "error: 1 of 1 kit(s) not releasable: northwind-analytics" in result.stderr
    after = sorted(p.relative_to(signed) for p in (signed / "kits").rglob("*"))
    assert after == before
    assert versions(signed) == ["1"]


def test_a_template_changed_after_sign_off_is_named(signed: Path) -> None:
    (signed / "templates" / "kitgen.css").write_text("body { color: red }\n", encoding="utf-8")
    result = run_kitgen("release", READY_FILE, "--json", cwd=signed)
    assert result.code == 1
    [outcome] = json.loads(result.stdout)
    assert outcome["released"] is False
    assert outcome["changes"] == [{
        "input": "template", "name": "templates/kitgen.css",
        "detail": "templates/kitgen.css was added since version 1 was built"}]


def test_another_kitgen_version_is_named(signed: Path, tmp_path: Path) -> None:
    # The kitgen a CI runner installed unpinned: the same code under a newer version number.
    package = tmp_path / "newer" / "kitgen"
    shutil.copytree(REPO / "kitgen", package, ignore=shutil.ignore_patterns("__pycache__"))
    init = package / "__init__.py"
    init.write_text(init.read_text().replace('__version__ = "', '__version__ = "99.'),
                    encoding="utf-8")
    result = run_kitgen("release", READY_FILE, "--json", cwd=signed,
                        env={"PYTHONPATH": str(package.parent)}, real_process=True)
    assert result.code == 1, result.stderr
    [outcome] = json.loads(result.stdout)
    [change] = outcome["changes"]
    assert change["input"] == "kitgen"
    assert change["detail"].startswith("version 1 was built with kitgen ")
    assert "; this is kitgen 99." in change["detail"]
    assert outcome["fix"].startswith("run the gate with kitgen ")


def test_a_side_missing_is_the_reason_when_inputs_match(
    example_builds: ExampleBuilds, copy_of: Callable[[Path], Path]
) -> None:
    root = copy_of(example_builds.first)
    approve(root, "marketing")
    result = run_kitgen("release", "--json", cwd=root, env={"GITHUB_ACTIONS": "true"})
    assert result.code == 1
    outcomes = {o["kit"]: o for o in json.loads(result.stdout)}
    assert outcomes[READY_EXAMPLE]["changes"] == []
    assert outcomes[READY_EXAMPLE]["reasons"] == ["no sales approval of version 1"]
    assert outcomes[OPEN_EXAMPLE]["released"] is False
    assert (f"::error file={READY_FILE}::{READY_EXAMPLE} is not releasable: no sales approval "
            "of version 1.") in result.stderr


def test_a_changed_brand_file_is_named_as_the_brand(signed: Path) -> None:
    brand = signed / "brand.yml"
    assert brand.is_file(), "the example workspace has a brand file"
    brand.write_text(brand.read_text(encoding="utf-8") + "\n# a comment changes the bytes\n",
                     encoding="utf-8")
    result = run_kitgen("release", READY_FILE, "--json", cwd=signed)
    assert result.code == 1
    [outcome] = json.loads(result.stdout)
    assert [(c["input"], c["name"]) for c in outcome["changes"]] == [("brand", "brand:brand.yml")]
    assert versions(signed) == ["1"]
