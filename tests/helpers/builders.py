"""Small builders for requirement files and workspaces, and the people who sign them."""

from __future__ import annotations

import copy
import shutil
import struct
import zlib
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "requirements"
PACKAGED_EXAMPLES = REPO / "kitgen" / "example" / "requirements"
READY_EXAMPLE = "northwind-analytics"
OPEN_EXAMPLE = "northwind-mobile"

MARA = ("Mara Quinn", "mara@acme.example")  # marketing
MONA = ("Mona Reyes", "mona@acme.example")  # marketing
SAM = ("Sam Ortega", "sam@acme.example")  # sales
SUE = ("Sue Park", "sue@acme.example")  # sales
EVE = ("Eve Unlisted", "eve@acme.example")  # listed nowhere


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
            "marketing": {"name": MARA[0], "email": MARA[1]},
            "sales": {"name": SAM[0], "email": SAM[1]},
        },
        "signoff": {"marketing": [MARA[1]], "sales": [SAM[1]]},
        "requirements": [requirement()],
        "value_props": [],
        "battlecards": [battlecard()],
        "playbook": playbook(),
    }
    data.update(copy.deepcopy(overrides))
    return data


def small_kit(**overrides: Any) -> dict[str, Any]:
    """``minimal_kit`` ready for sign-off tests: settled, two signers per side (Mara and Mona
    for marketing, Sam and Sue for sales), and a requirement the playbook delivers."""
    data = minimal_kit(
        signoff={"marketing": [MARA[1], MONA[1]], "sales": [SAM[1], SUE[1]]},
        requirements=[
            requirement(),
            requirement(id="stall-send-info",
                        need="What to say when a buyer asks for 'some information'.",
                        delivered_by=["playbook.stallers.send-info"]),
        ],
    )
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
    """A workspace folder (requirements/, kits/) holding ``kits``; no built-in examples. Call
    it again on the same folder to write a changed kit over the old file."""
    (root / "requirements").mkdir(parents=True, exist_ok=True)
    (root / "kits").mkdir(exist_ok=True)
    for data in kits:
        write_kit(root / "requirements", data)
    return root


def copy_workspace(source: Path, target: Path) -> Path:
    """A copy of a built workspace for a test to change, links kept as links."""
    shutil.copytree(source, target, symlinks=True)
    return target


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


def solid_png(rgb: bytes, size: int = 2) -> bytes:
    """A ``size`` × ``size`` PNG of one colour, written by hand so the tests need no imaging
    library."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        return struct.pack(">I", len(body)) + kind + body + crc

    rows = b"".join(b"\x00" + rgb * size for _ in range(size))
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def tiny_png() -> bytes:
    """A 2×2 red PNG."""
    return solid_png(b"\xff\x00\x00")
