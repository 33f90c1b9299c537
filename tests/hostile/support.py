"""What only the hostile suite's modules share: its kit and the stages of its life, more people
who sign, and the network guard and leak scanner. Builders, readers and the CLI runner are the
whole suite's, in ``helpers``."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from helpers import MARA, MONA, SAM, SUE, pdf_stream_bytes
from pypdf import PdfReader

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
VALID_KIT = HERE / "valid-kit.yaml"
NETGUARD = HERE / "netguard"
KIT = "hostile-kit"
# More signers, for the concurrency rounds: listed in the built kit, one side each.
MARKETERS = [(f"Marketer {n}", f"marketer{n}@acme.example") for n in range(8)]
SELLERS = [(f"Seller {n}", f"seller{n}@acme.example") for n in range(8)]


def _load_netguard() -> Any:
    spec = importlib.util.spec_from_file_location("kitgen_netguard", NETGUARD / "sitecustomize.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


netguard = _load_netguard()  # the guard real processes load as sitecustomize, in-process



def kit_text(**replace: str) -> str:
    """valid-kit.yaml, with whole lines swapped: ``kit_text(**{"title: X": "title: Y"})``."""
    text = VALID_KIT.read_text(encoding="utf-8")
    for old, new in replace.items():
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


def signer_lists() -> str:
    marketing = [MARA, MONA, *MARKETERS]
    sales = [SAM, SUE, *SELLERS]
    return ("signoff:\n  marketing:\n" + "".join(f"    - {e}\n" for _, e in marketing)
            + "  sales:\n" + "".join(f"    - {e}\n" for _, e in sales))


def workspace_with(root: Path, text: str) -> Path:
    (root / "requirements").mkdir(parents=True, exist_ok=True)
    (root / "kits").mkdir(exist_ok=True)
    (root / "requirements" / f"{KIT}.yaml").write_text(text, encoding="utf-8")
    return root


@dataclass(frozen=True)
class Stages:
    """The kit at each stage of its life; copy one with ``copy_of`` before changing it.

    ``built``: version 1 built, nothing signed. ``approved``: version 1 approved by Sam (sales)
    and Mara (marketing), both signed with their SSH keys. ``released``: that, released, plus a
    version 2 built from an edited file, rejected by Sue (sales), and one feedback record.
    """

    built: Path
    approved: Path
    released: Path
    keys: dict[str, Path]
    public: dict[str, str]
    policy: str  # the `signoff:` block of the kit: signers and keys


def policy_block(public: dict[str, str]) -> str:
    return signer_lists() + (
        "  keys:\n"
        f"    {SAM[1]}: {public['sam']}\n"
        f"    {MARA[1]}: {public['mara']}\n"
    )


def staged_kit_text(policy: str, **replace: str) -> str:
    original = ("signoff:\n  marketing:\n    - mara@acme.example\n    - mona@acme.example\n"
                "  sales:\n    - sam@acme.example\n    - sue@acme.example\n")
    return kit_text(**{original: policy}, **replace)


# kits/index.html lists every kit as of the last build: a view derived from the versions,
# which every build (even one whose release failed) rewrites and `verify` does not check.
CATALOG = "index.html"


def hidden_entries(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob(".*"))


# --- leaks ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sentinel:
    """A file outside every folder rendering may read; its content must never show up."""

    path: Path
    token: str


@dataclass
class SocketGuard:
    log: Path

    def attempts(self) -> str:
        return self.log.read_text() if self.log.exists() else ""

    def env(self, **extra: str | None) -> dict[str, str | None]:
        """What a real kitgen process needs in its environment to run under the same guard."""
        path = os.pathsep.join(p for p in (str(NETGUARD), os.environ.get("PYTHONPATH")) if p)
        return {"PYTHONPATH": path, "KITGEN_SOCKET_LOG": str(self.log), **extra}


@contextlib.contextmanager
def network_guard(log: Path) -> Iterator[SocketGuard]:
    """Refuse and log any network use in this process and the processes it forks (a render
    pool) while the block runs; ``SocketGuard.env`` puts real kitgen processes under the same
    guard. Callers assert that ``attempts()`` is empty: a refusal kitgen swallowed still counts."""
    saved = {name: getattr(socket, name) for name in
             ("create_connection", "getaddrinfo", "gethostbyname", "gethostbyname_ex")}
    methods = {name: getattr(socket.socket, name) for name in ("connect", "connect_ex", "sendto")}
    guard = SocketGuard(log)
    netguard.install(str(log))
    try:
        yield guard
    finally:
        for name, value in saved.items():
            setattr(socket, name, value)
        for name, value in methods.items():
            setattr(socket.socket, name, value)
        socket._kitgen_guard = None  # type: ignore[attr-defined]


def readable_forms(path: Path) -> list[bytes]:
    """Every form in which a file's content could carry a leaked secret: its bytes and, for a
    PDF, every stream inflated, the text of each page, the metadata and each attachment."""
    data = path.read_bytes()
    forms = [data]
    if path.suffix == ".pdf":
        forms.append(pdf_stream_bytes(data))
        reader = PdfReader(path)
        forms += [(page.extract_text() or "").encode() for page in reader.pages]
        forms.append(repr(dict(reader.metadata or {})).encode())
        for contents in reader.attachments.values():
            forms += contents
    return forms


def leaks(root: Path, token: str) -> list[str]:
    """Files under ``root`` that hold ``token`` in any readable form or text encoding."""
    needles = [token.encode(), token.encode("utf-16-be"), token.encode("utf-16-le")]
    return [
        path.relative_to(root).as_posix() for path in sorted(root.rglob("*"))
        if path.is_file() and any(n in form for form in readable_forms(path) for n in needles)
    ]
