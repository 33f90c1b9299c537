"""Helpers for the sign-off tests: small kits, CLI runners, records and SSH keys.

Kits are built from dicts (three documents: index, one battlecard, the playbook) so that a
build costs about a second; the worked example is built once per module where a test needs it.
Every kitgen run gets an explicit environment, so nothing from the developer's shell (their
KITGEN_* identity, git config, SOURCE_DATE_EPOCH) can leak into a result.
"""

from __future__ import annotations

import copy
import hashlib
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pypdf import PdfReader
from typer.testing import CliRunner

from kitgen.cli.main import app
from kitgen.signoff.records import Record, meaning_of, write_record

MARA = ("Mara Quinn", "mara@acme.example")  # marketing
MONA = ("Mona Reyes", "mona@acme.example")  # marketing
SAM = ("Sam Ortega", "sam@acme.example")  # sales
SUE = ("Sue Park", "sue@acme.example")  # sales
EVE = ("Eve Unlisted", "eve@acme.example")  # listed nowhere

# Whatever the developer's shell holds, these never reach a kitgen run under test.
_SCRUBBED = ("KITGEN_NAME", "KITGEN_EMAIL", "SOURCE_DATE_EPOCH", "FORCE_COLOR", "GIT_DIR",
             "GIT_WORK_TREE", "GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME",
             "GIT_COMMITTER_EMAIL", "EMAIL", "COLUMNS")


def small_kit(**overrides: Any) -> dict[str, Any]:
    """A valid, settled kit with three documents, signed off by two people per side."""
    data: dict[str, Any] = {
        "kit": "acme-launch",
        "title": "Acme 1.0 launch kit",
        "product": "Acme 1.0",
        "launch": "2027-03-01",
        "owners": {
            "marketing": {"name": MARA[0], "email": MARA[1]},
            "sales": {"name": SAM[0], "email": SAM[1]},
        },
        "signoff": {"marketing": [MARA[1], MONA[1]], "sales": [SAM[1], SUE[1]]},
        "requirements": [
            {
                "id": "card-globex",
                "from": "sales",
                "need": "A one-page battlecard against Globex.",
                "status": "agreed",
                "delivered_by": ["battlecards.globex"],
            },
            {
                "id": "stall-send-info",
                "from": "sales",
                "need": "What to say when a buyer asks for 'some information'.",
                "status": "agreed",
                "delivered_by": ["playbook.stallers.send-info"],
            },
        ],
        "value_props": [],
        "battlecards": [
            {
                "id": "globex",
                "competitor": "Globex Analytics",
                "verified_on": "2026-11-02",
                "summary": "Dashboard-first BI that charges for every viewer.",
                "why_we_win": ["Unlimited viewers per workspace."],
                "where_they_win": ["A lower entry price for tiny teams."],
                "landmines": ["What will it cost when the whole team needs the numbers?"],
                "objections": [{"objection": "Globex is cheaper.",
                                "response": "For ten users; price it at next year's count."}],
                "proof_points": ["Initech moved 300 viewers from Globex in 2026."],
            }
        ],
        "playbook": {
            "stallers": [
                {
                    "id": "send-info",
                    "stall": "Just send me some information.",
                    "who": "An analyst with no budget.",
                    "really_means": "Not convinced it is worth another meeting.",
                    "responses": ["Happy to: which problem should the one page answer?"],
                    "assets": ["battlecards.globex"],
                    "next_step": "Book 20 minutes with their manager.",
                    "escalate_after_days": 7,
                }
            ],
            "nay_sayer": {"concerns": ["IT security."], "approach": ["Bring the SOC 2 report."]},
            "decision_maker": {"cares_about": ["One set of numbers."],
                               "approach": ["Lead with ROI."]},
        },
    }
    data.update(copy.deepcopy(overrides))
    return data


def write_kit(root: Path, data: dict[str, Any]) -> Path:
    (root / "requirements").mkdir(parents=True, exist_ok=True)
    (root / "kits").mkdir(exist_ok=True)
    path = root / "requirements" / f"{data['kit']}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=200),
                    encoding="utf-8")
    return path


def clean_env(**extra: str | None) -> dict[str, str]:
    """A CI job's environment: no identity, no git config, no colour, no build date."""
    env = {k: v for k, v in os.environ.items() if k not in _SCRUBBED}
    env.update(NO_COLOR="1", GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1")
    for key, value in extra.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


@dataclass(frozen=True)
class Ran:
    code: int
    stdout: str
    stderr: str

    @property
    def text(self) -> str:
        """stdout and stderr, whitespace squashed, for phrases that may wrap."""
        return " ".join((self.stdout + "\n" + self.stderr).split())


def run(*args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 300,
        stdin: Any = subprocess.DEVNULL) -> Ran:
    """``python -m kitgen ARGS`` in a real process, as a person or CI would run it."""
    result = subprocess.run([sys.executable, "-m", "kitgen", *args], cwd=cwd,
                            env=env or clean_env(), stdin=stdin, capture_output=True, text=True,
                            timeout=timeout)
    return Ran(result.returncode, result.stdout, result.stderr)


def popen(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "kitgen", *args], cwd=cwd,
                            env=env or clean_env(), stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@contextmanager
def _inside(cwd: Path) -> Iterator[None]:
    before = Path.cwd()
    os.chdir(cwd)
    try:
        yield
    finally:
        os.chdir(before)


def cli(*args: str, cwd: Path, **env: str | None) -> Ran:
    """The same command in-process (much cheaper than a process); ``env`` adds or unsets."""
    overrides: dict[str, str | None] = {k: None for k in _SCRUBBED}
    overrides.update(NO_COLOR="1", GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1")
    overrides.update(env)
    with _inside(cwd):
        result = CliRunner().invoke(app, list(args), env=overrides, catch_exceptions=False)
    return Ran(result.exit_code, result.stdout, result.stderr)


def approve(root: Path, kit: str, side: str, who: tuple[str, str], *extra: str) -> Ran:
    return cli("approve", kit, "--side", side, "--name", who[0], "--email", who[1], "--yes",
               *extra, cwd=root)


def reject(root: Path, kit: str, side: str, who: tuple[str, str], reason: str,
           *extra: str) -> Ran:
    return cli("reject", kit, "--side", side, "--name", who[0], "--email", who[1], "--yes",
               "--reason", reason, *extra, cwd=root)


def copy_workspace(source: Path, target: Path) -> Path:
    shutil.copytree(source, target, symlinks=True)
    return target


def kit_dir(root: Path, kit: str) -> Path:
    return root / "kits" / kit


def records(root: Path, kit: str) -> list[Path]:
    folder = kit_dir(root, kit) / "signoffs"
    return sorted(folder.glob("*.txt")) if folder.is_dir() else []


def manifest_digest(root: Path, kit: str, version: str) -> str:
    import json

    return str(json.loads((kit_dir(root, kit) / version / "manifest.json").read_text())["digest"])


def craft_record(root: Path, kit: str, version: str, side: str, who: tuple[str, str],
                 decision: str = "approve", *, comment: str = "", time: str =
                 "2025-12-01T09:00:00Z", digest: str | None = None,
                 signature: bytes | None = None) -> Path:
    """A record written without `kitgen approve`, correctly formatted and named."""
    record = Record(kit=kit, version=version,
                    digest=digest or manifest_digest(root, kit, version), side=side,
                    name=who[0], email=who[1], decision=decision,
                    meaning=meaning_of(decision, side, version), comment=comment, time=time)
    return write_record(kit_dir(root, kit), record, signature)


RECORD_NAME = re.compile(
    r"^(?P<version>[0-9A-Za-z.+-]+)--(?P<time>\d{8}T\d{6}Z)--(?P<side>sales|marketing)--"
    r"(?P<decision>approve|reject)--(?P<hash>[0-9a-f]{16})\.txt$"
)


def name_for(raw: bytes, version: str, time: str, side: str, decision: str) -> str:
    """The file name README.md promises: the hash is over the file's bytes."""
    stamp = time.replace("-", "").replace(":", "")
    return f"{version}--{stamp}--{side}--{decision}--{hashlib.sha256(raw).hexdigest()[:16]}.txt"


def rename_to_content(path: Path) -> Path:
    """After an edit, give a record the name its new bytes would have (a careful forger)."""
    fields = dict(line.split(": ", 1) for line in path.read_text().splitlines()[1:]
                  if ": " in line)
    new = path.with_name(name_for(path.read_bytes(), fields["version"], fields["time"],
                                  fields["side"], fields["decision"]))
    path.rename(new)
    sig = path.with_name(path.name + ".sig")
    if sig.exists():
        sig.rename(new.with_name(new.name + ".sig"))
    return new


def make_key(folder: Path, name: str) -> tuple[Path, str]:
    """A fresh ed25519 key pair without passphrase: (private key path, public key line)."""
    folder.mkdir(parents=True, exist_ok=True)
    key = folder / name
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(key)],
                   check=True, capture_output=True, timeout=60)
    return key, key.with_name(name + ".pub").read_text().strip()


def ssh_sign(data: bytes, key: Path) -> bytes:
    """Stock ``ssh-keygen -Y sign``, without kitgen."""
    result = subprocess.run(["ssh-keygen", "-Y", "sign", "-n", "kitgen", "-f", str(key)],
                            input=data, capture_output=True, check=True, timeout=60)
    return result.stdout


def pdf_pages(path: Path) -> list[str]:
    return [" ".join((page.extract_text() or "").split()) for page in PdfReader(path).pages]


def flip_byte(path: Path, offset: int | None = None) -> None:
    data = bytearray(path.read_bytes())
    at = len(data) // 2 if offset is None else offset
    data[at] ^= 0x01
    path.write_bytes(bytes(data))


def git(*args: str, cwd: Path,
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=cwd,
                          env=env or git_env("Test Runner", "runner@example.invalid"),
                          capture_output=True, text=True, timeout=60)


def git_env(name: str, email: str) -> dict[str, str]:
    return clean_env(GIT_AUTHOR_NAME=name, GIT_AUTHOR_EMAIL=email, GIT_COMMITTER_NAME=name,
                     GIT_COMMITTER_EMAIL=email)


def damage_signature(armored: bytes) -> bytes:
    """Flip one bit inside an SSH signature's decoded bytes; the armor stays well-formed."""
    import base64

    lines = armored.decode().strip().splitlines()
    blob = bytearray(base64.b64decode("".join(lines[1:-1])))
    blob[-5] ^= 0x01  # inside the signature value itself
    body = base64.b64encode(bytes(blob)).decode()
    wrapped = [body[i:i + 70] for i in range(0, len(body), 70)]
    return ("\n".join([lines[0], *wrapped, lines[-1]]) + "\n").encode()
