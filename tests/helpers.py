"""Small builders for requirement files, and readers for what kitgen writes.

Tests build their inputs from these dicts and override only what the test is about, so each
test states its own point instead of depending on a copied fixture file.
"""

from __future__ import annotations

import copy
import hashlib
import os
import re
import struct
import subprocess
import sys
import zlib
from pathlib import Path
from typing import Any

import yaml
from pypdf import PdfReader

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "requirements"
PACKAGED_EXAMPLES = REPO / "kitgen" / "example" / "requirements"
READY_EXAMPLE = "northwind-analytics"
OPEN_EXAMPLE = "northwind-mobile"


def requirement(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": "card-globex",
        "from": "sales",
        "need": "A one-page battlecard against Globex.",
        "status": "agreed",
        "delivered_by": ["battlecards.globex"],
    }
    data.update(overrides)
    return data


def battlecard(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": "globex",
        "competitor": "Globex Analytics",
        "verified_on": "2026-11-02",
        "summary": "Dashboard-first BI that charges for every viewer.",
        "why_we_win": ["Unlimited viewers per workspace."],
        "where_they_win": ["A lower entry price for tiny teams."],
        "landmines": ["What will it cost when the whole sales team needs the numbers?"],
        "objections": [
            {
                "objection": "Globex is cheaper.",
                "response": "For ten users, yes; price it at next year's viewer count.",
            }
        ],
        "proof_points": ["Initech moved 300 viewers from Globex in 2026."],
    }
    data.update(overrides)
    return data


def staller(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": "send-info",
        "stall": "Just send me some information.",
        "who": "An analyst with no budget.",
        "really_means": "Not convinced it is worth another meeting.",
        "responses": ["Happy to: which problem should the one page answer?"],
        "assets": ["battlecards.globex"],
        "next_step": "Book 20 minutes with their manager.",
        "escalate_after_days": 7,
    }
    data.update(overrides)
    return data


def value_prop(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": "cfo",
        "persona": "CFO",
        "audience": "customer",
        "pains": ["Month-end waits on reconciling three tools."],
        "claims": [
            {
                "claim": "Cut month-end reporting time by 40 percent.",
                "proof": "Initech cut its month-end pack from 5 days to 3.",
                "source": "Customer case study: Initech, 2026",
            }
        ],
        "differentiators": ["Certified metrics."],
    }
    data.update(overrides)
    return data


def sendable(kit: dict[str, Any]) -> dict[str, Any]:
    """``kit`` with something a rep may send the buyer for every stall (a customer-facing CFO
    sheet), so that `check` has no audience warning: for tests about other warnings."""
    kit = copy.deepcopy(kit)
    if not any(vp.get("id") == "cfo" for vp in kit.get("value_props", [])):
        kit["value_props"] = [*kit.get("value_props", []), value_prop()]
    for staller_data in kit["playbook"]["stallers"]:
        staller_data["assets"] = [*staller_data.get("assets", []), "value_props.cfo"]
    return kit


def playbook(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "stallers": [staller()],
        "nay_sayer": {"concerns": ["IT security."], "approach": ["Bring the SOC 2 report."]},
        "decision_maker": {"cares_about": ["One set of numbers."], "approach": ["Lead with ROI."]},
    }
    data.update(overrides)
    return data


def minimal_kit(**overrides: Any) -> dict[str, Any]:
    """A valid kit with as few documents as a kit can have: index, one battlecard, playbook."""
    data: dict[str, Any] = {
        "kit": "acme-launch",
        "title": "Acme 1.0 launch kit",
        "product": "Acme 1.0",
        "launch": "2027-03-01",
        "owners": {
            "marketing": {"name": "Mara Quinn", "email": "mara@acme.example"},
            "sales": {"name": "Sam Ortega", "email": "sam@acme.example"},
        },
        "signoff": {"marketing": ["mara@acme.example"], "sales": ["sam@acme.example"]},
        "requirements": [requirement()],
        "value_props": [],
        "battlecards": [battlecard()],
        "playbook": playbook(),
    }
    data.update(copy.deepcopy(overrides))
    return data


def dump(data: Any) -> str:
    return yaml.safe_dump(
        data, sort_keys=False, default_flow_style=False, allow_unicode=True, width=200
    )


def write_kit(directory: Path, data: Any, name: str | None = None) -> Path:
    """Write ``data`` as YAML to ``directory/<kit>.yaml`` (or ``name``); return the path."""
    directory.mkdir(parents=True, exist_ok=True)
    if name is None:
        kit = data.get("kit") if isinstance(data, dict) else None
        name = f"{kit if isinstance(kit, str) and '/' not in kit else 'kit'}.yaml"
    path = directory / name
    path.write_text(data if isinstance(data, str) else dump(data), encoding="utf-8")
    return path


def make_workspace(root: Path, *kits: dict[str, Any]) -> Path:
    """A workspace folder (requirements/, kits/) holding ``kits``; no built-in examples."""
    (root / "requirements").mkdir(parents=True, exist_ok=True)
    (root / "kits").mkdir(exist_ok=True)
    for data in kits:
        write_kit(root / "requirements", data)
    return root


def locate(text: str, needle: str, occurrence: int = 1) -> tuple[int, int]:
    """1-based line and column of the ``occurrence``-th ``needle`` in ``text``."""
    start = -1
    for _ in range(occurrence):
        start = text.index(needle, start + 1)
    before = text[:start]
    return before.count("\n") + 1, start - (before.rfind("\n") + 1) + 1


def locate_value(text: str, key: str, occurrence: int = 1) -> tuple[int, int]:
    """1-based line and column where the value of the ``occurrence``-th ``key:`` starts."""
    line, column = locate(text, f"{key}: ", occurrence)
    return line, column + len(key) + 2


def tree(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (hidden ones too), by relative path, with its bytes."""
    if not root.exists():
        return {}
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() or p.is_symlink()
    } | {p.relative_to(root).as_posix() + "/": b"" for p in root.rglob("*") if p.is_dir()}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def rendered_part(path: Path) -> bytes:
    """A kitgen PDF as rendered, before kitgen appended its manifest in an incremental update:
    the file up to the end of the revision before the last (found here without kitgen's code,
    by its ``%%EOF`` marker)."""
    data = path.read_bytes()
    assert data.endswith(b"%%EOF\n"), path
    end = data.rindex(b"%%EOF\n", 0, len(data) - 6) + 6
    return data[:end]


def rendered_sha256(path: Path) -> str:
    return hashlib.sha256(rendered_part(path)).hexdigest()


def pdf_pages(path: Path) -> list[str]:
    """The text a reader sees, page by page."""
    return [page.extract_text() or "" for page in PdfReader(path).pages]


def pdf_text(path: Path) -> str:
    return " ".join(" ".join(pdf_pages(path)).split())


def squash(text: str) -> str:
    """Whitespace-normalised text, so line breaks in the PDF do not split a phrase."""
    return " ".join(text.split())


def pdf_metadata(path: Path) -> dict[str, Any]:
    return dict(PdfReader(path).metadata or {})


def pdf_stream_bytes(data: bytes) -> bytes:
    """Every stream of a PDF, decompressed where it is Flate-encoded, plus the raw file."""
    parts = [data]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            parts.append(zlib.decompress(match.group(1)))
        except zlib.error:
            parts.append(match.group(1))
    return b"\n".join(parts)


def pdf_images(path: Path) -> int:
    """How many raster images the pages draw."""
    return sum(len(page.images) for page in PdfReader(path).pages)


def tiny_png() -> bytes:
    """A 2×2 red PNG, written by hand so the tests need no imaging library."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * 2 for _ in range(2))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def cli_env(**extra: str) -> dict[str, str]:
    """The environment of a user's shell in CI: no terminal styling or width, no inherited
    build date."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("SOURCE_DATE_EPOCH", "FORCE_COLOR", "COLUMNS")}
    env["NO_COLOR"] = "1"
    env.update(extra)
    return env


def run_kitgen(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``python -m kitgen ARGS`` in a real process, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "kitgen", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=cli_env(**env),
        timeout=600,
    )


def start_kitgen(*args: str, cwd: Path, **env: str) -> subprocess.Popen[str]:
    """Like ``run_kitgen`` but without waiting, so two builds can run side by side."""
    return subprocess.Popen(
        [sys.executable, "-m", "kitgen", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli_env(**env),
    )
