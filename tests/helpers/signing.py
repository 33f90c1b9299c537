"""Sign-off records, signatures and SSH keys: made through kitgen, by hand, or forged."""

from __future__ import annotations

import base64
import hashlib
import re
import subprocess
from pathlib import Path

from helpers.readers import kit_dir, manifest_digest
from helpers.running import Ran, run_kitgen
from kitgen.signoff.records import Record, meaning_of, write_record

RECORD_NAME = re.compile(
    r"^(?P<version>[0-9A-Za-z.+-]+)--(?P<time>\d{8}T\d{6}Z)--(?P<side>sales|marketing)--"
    r"(?P<decision>approve|reject)--(?P<hash>[0-9a-f]{16})\.txt$"
)


def approve(root: Path, kit: str, side: str, who: tuple[str, str], *extra: str) -> Ran:
    return run_kitgen("approve", kit, "--side", side, "--name", who[0], "--email", who[1],
                      "--yes", *extra, cwd=root)


def reject(root: Path, kit: str, side: str, who: tuple[str, str], reason: str,
           *extra: str) -> Ran:
    return run_kitgen("reject", kit, "--side", side, "--name", who[0], "--email", who[1],
                      "--yes", "--reason", reason, *extra, cwd=root)


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
                   check=True, capture_output=True, timeout=600)
    return key, key.with_name(name + ".pub").read_text().strip()


def ssh_sign(data: bytes, key: Path) -> bytes:
    """Stock ``ssh-keygen -Y sign``, without kitgen."""
    result = subprocess.run(["ssh-keygen", "-Y", "sign", "-n", "kitgen", "-f", str(key)],
                            input=data, capture_output=True, check=True, timeout=600)
    return result.stdout


def flip_byte(path: Path, offset: int | None = None) -> None:
    data = bytearray(path.read_bytes())
    at = len(data) // 2 if offset is None else offset
    data[at] ^= 0x01
    path.write_bytes(bytes(data))


def damage_signature(armored: bytes) -> bytes:
    """Flip one bit inside an SSH signature's decoded bytes; the armor stays well-formed."""
    lines = armored.decode().strip().splitlines()
    blob = bytearray(base64.b64decode("".join(lines[1:-1])))
    blob[-5] ^= 0x01  # inside the signature value itself
    body = base64.b64encode(bytes(blob)).decode()
    wrapped = [body[i:i + 70] for i in range(0, len(body), 70)]
    return ("\n".join([lines[0], *wrapped, lines[-1]]) + "\n").encode()
