"""A build with nothing to do answers from the stamp of the last build, without reading YAML;
the stamp never hides a change: a byte of a requirement file, a template, a version removed
from kits/, another day (stale intelligence) all make the build run in full and decide again."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from helpers import (
    make_workspace,
    minimal_kit,
    playbook,
    requirement,
    run_kitgen,
    sendable,
    staller,
    write_kit,
)

KIT = "acme-launch"


def two_document_kit(**overrides: Any) -> dict[str, Any]:
    """Its index and the playbook: two renders a version."""
    return minimal_kit(
        requirements=[requirement(delivered_by=["playbook.stallers.send-info"])],
        battlecards=[],
        playbook=playbook(stallers=[staller(assets=[])]),
        **overrides,
    )


def versions(root: Path) -> list[str]:
    return sorted(p.name for p in (root / "kits" / KIT).iterdir() if p.name[0].isdigit())


@pytest.mark.slow
def test_the_stamp_never_hides_a_change(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws", two_document_kit())
    env = {"KITGEN_CACHE_DIR": str(tmp_path / "cache"), "KITGEN_TODAY": "2026-11-20"}

    def build(*args: str) -> str:
        result = run_kitgen("build", "--jobs", "1", *args, cwd=root, env=env)
        assert result.code == 0, result.output
        return result.output

    assert "written (draft)" in build()
    slow = build()  # nothing changed; a full build says so, and stamps what it read
    assert f"{KIT}  1        unchanged, nothing written" in slow
    assert build() == slow  # answered from the stamp, saying the same

    path = root / "requirements" / f"{KIT}.yaml"
    path.write_text("# a comment changes bytes, not data\n" + path.read_text())
    assert "unchanged, nothing written" in build()  # read again: same data, same version

    write_kit(root / "requirements", two_document_kit(title="Acme 1.1 launch kit"))
    assert f"{KIT}  2        written (draft)" in build()

    shutil.rmtree(root / "kits" / KIT / "2")
    assert f"{KIT}  2        written (draft)" in build()  # kits/ changed: decided again
    assert versions(root) == ["1", "2"]

    (root / "templates").mkdir()
    (root / "templates" / "note.css").write_text("h1 { color: black; }\n")
    assert f"{KIT}  3        written (draft)" in build()


@pytest.mark.slow
def test_warnings_and_strict_hold_from_the_stamp_and_a_new_day_checks_again(
    tmp_path: Path
) -> None:
    # Its battlecard was verified 2026-11-02; its stall has a sheet to send: no other warning.
    root = make_workspace(tmp_path / "ws", sendable(minimal_kit()))
    cache = {"KITGEN_CACHE_DIR": str(tmp_path / "cache")}
    fresh = {**cache, "KITGEN_TODAY": "2026-11-20"}
    stale = {**cache, "KITGEN_TODAY": "2027-06-01"}
    assert run_kitgen("build", "--jobs", "1", cwd=root, env=fresh).code == 0
    quiet = run_kitgen("build", "--strict", cwd=root, env=fresh)
    assert quiet.code == 0 and "warning" not in quiet.output
    assert run_kitgen("build", "--strict", cwd=root, env=fresh).output == quiet.output

    for _ in range(2):  # the full build on the new day, then the same answer from its stamp
        late = run_kitgen("build", "--strict", cwd=root, env=stale)
        assert late.code == 1, late.output
        assert "warning" in late.output and "globex" in late.output


@pytest.mark.slow
def test_the_stamp_never_hides_a_brand_change(tmp_path: Path) -> None:
    """A brand file added, and a logo it names changed, each make a new version, though no
    requirement file or template changed and the last build left a stamp."""
    from helpers import solid_png
    from helpers.brand import write_brand

    root = make_workspace(tmp_path / "ws", two_document_kit())
    env = {"KITGEN_CACHE_DIR": str(tmp_path / "cache"), "KITGEN_TODAY": "2026-11-20"}

    def build() -> str:
        result = run_kitgen("build", "--jobs", "1", cwd=root, env=env)
        assert result.code == 0, result.output
        return result.output

    build()
    assert "unchanged, nothing written" in build()  # stamped
    write_brand(root)
    assert f"{KIT}  2        written (draft)" in build()
    assert "unchanged, nothing written" in build()  # stamped, with the brand's files
    (root / "brand" / "header.png").write_bytes(solid_png(b"\0\0\xff"))
    assert f"{KIT}  3        written (draft)" in build()
    assert versions(root) == ["1", "2", "3"]


def test_the_stamp_looks_for_the_brand_file_under_every_name_kitgen_reads() -> None:
    from kitgen.load.brand import BRAND_FILE_NAMES
    from kitgen.version.stamp import BRAND_FILE_NAMES as STAMPED

    assert STAMPED == BRAND_FILE_NAMES


def test_the_stamp_names_the_schema_copy_as_the_schema_module_does() -> None:
    from kitgen.load.schema import SCHEMA_COPY
    from kitgen.version.stamp import SCHEMA_COPY as STAMPED

    assert STAMPED == SCHEMA_COPY
