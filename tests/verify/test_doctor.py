"""`kitgen doctor`: what this machine has, what it lacks, and how to fix each missing piece."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from helpers import run_kitgen

REQUIRED = ["WeasyPrint", "Pango", "kitgen fonts", "fontconfig finds Inter"]
OPTIONAL = ["HarfBuzz subset", "signer identity", "ssh-keygen", "brand"]  # brand: no brand.yml here


def doctor_json(cwd: Path) -> tuple[int, dict[str, Any]]:
    result = run_kitgen("doctor", "--json", cwd=cwd)
    return result.code, json.loads(result.stdout)


def by_name(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {check["check"]: check for check in report["checks"]}


def test_doctor_reports_this_machine_ready(tmp_path: Path) -> None:
    code, report = doctor_json(tmp_path)
    checks = by_name(report)
    assert list(checks) == REQUIRED + OPTIONAL
    assert code == 0 and report["ok"] is True
    for name in REQUIRED:
        assert checks[name]["status"] == "ok", checks[name]
        assert checks[name]["required"] is True
    for name in OPTIONAL:
        assert checks[name]["required"] is False
    assert "a test page rendered" in checks["Pango"]["detail"]


def test_doctor_text_says_ready(tmp_path: Path) -> None:
    result = run_kitgen("doctor", cwd=tmp_path)
    assert result.code == 0, result.output
    for name in REQUIRED + OPTIONAL:
        assert name in result.stdout
    assert "every required piece is there" in result.stdout


def test_missing_ssh_keygen_is_reported_with_a_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    git = shutil.which("git")
    if git:
        os.symlink(git, bin_dir / "git")
    monkeypatch.setenv("PATH", str(bin_dir))

    code, report = doctor_json(tmp_path)
    ssh = by_name(report)["ssh-keygen"]
    assert ssh["status"] == "warning" and ssh["ok"] is False
    assert ssh["fix"]["debian"] == "sudo apt-get install openssh-client"
    assert "macOS" in ssh["fix"]["macos"] or "brew" in ssh["fix"]["macos"]
    # Signing is optional work: the machine can still build kits.
    assert code == 0 and report["ok"] is True

    text = run_kitgen("doctor", cwd=tmp_path)
    assert "ssh-keygen: not found on PATH" in text.stdout
    assert "fix on Debian/Ubuntu: sudo apt-get install openssh-client" in text.stdout


def test_missing_fonts_fail_the_doctor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("kitgen.render.paths.FONTS_DIR", tmp_path / "no-fonts")
    code, report = doctor_json(tmp_path)
    fonts = by_name(report)["kitgen fonts"]
    assert code == 1 and report["ok"] is False
    assert fonts["status"] == "missing" and "Inter-Regular.otf" in fonts["detail"]
    assert "pip install" in fonts["fix"]["debian"]

    text = run_kitgen("doctor", cwd=tmp_path)
    assert text.code == 1
    assert "missing kitgen fonts" in text.stderr


def test_signer_identity_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KITGEN_NAME", "Dana Whitfield")
    monkeypatch.setenv("KITGEN_EMAIL", "dana@northwind.example")
    _, report = doctor_json(tmp_path)
    identity = by_name(report)["signer identity"]
    assert identity["ok"] is True
    assert "Dana Whitfield <dana@northwind.example>" in identity["detail"]


def test_missing_git_identity_says_how_to_set_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KITGEN_EMAIL", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "no-gitconfig"))
    code, report = doctor_json(tmp_path)
    identity = by_name(report)["signer identity"]
    assert identity["status"] == "warning"
    assert "git config --global user.email" in identity["fix"]["debian"]
    assert code == 0
