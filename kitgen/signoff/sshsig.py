"""SSH signatures over sign-off records, made and checked by stock ``ssh-keygen -Y``.

Using the system tool rather than a library means an auditor can check any record with the
exact command kitgen runs, and kitgen never handles private key material itself.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from kitgen.base.errors import InputError

NAMESPACE = "kitgen"


def _ssh_keygen() -> str:
    path = shutil.which("ssh-keygen")
    if not path:
        raise InputError(
            "ssh-keygen is not installed, so sign-off signatures cannot be made or checked",
            details=["Install OpenSSH's client (Debian: apt-get install openssh-client)."],
        )
    return path


def sign(data: bytes, key: Path) -> bytes:
    """Sign ``data`` with the private key at ``key``; return the armored signature."""
    if not key.is_file():
        raise InputError(f"signing key {key} does not exist")
    result = subprocess.run(
        [_ssh_keygen(), "-Y", "sign", "-n", NAMESPACE, "-f", str(key)],
        input=data, capture_output=True, timeout=60, stdin=None,
    )
    if result.returncode != 0 or b"BEGIN SSH SIGNATURE" not in result.stdout:
        reason = result.stderr.decode(errors="replace").strip().splitlines()
        raise InputError(
            f"ssh-keygen could not sign with {key}",
            details=reason[-3:] + ["A key with a passphrase needs ssh-agent (ssh-add) first."],
        )
    return result.stdout


def verify(data: bytes, signature: bytes, email: str, public_key: str) -> tuple[bool, str]:
    """Check ``signature`` over ``data`` by ``email`` holding ``public_key``; say why not."""
    with tempfile.TemporaryDirectory(prefix="kitgen-sig-") as folder:
        allowed = Path(folder) / "allowed_signers"
        allowed.write_text(f'{email} namespaces="{NAMESPACE}" {public_key.strip()}\n')
        return _verify(data, signature, email, allowed)


def verify_allowed(
    data: bytes, signature: bytes, email: str, allowed_signers: Path
) -> tuple[bool, str]:
    """Check ``signature`` over ``data`` by ``email`` against an ``allowed_signers`` file (the
    format of ssh-keygen(1)), the keys a reader trusts; say why not."""
    if not allowed_signers.is_file():
        raise InputError(f"{allowed_signers}: no such allowed-signers file",
                         details=["Give a file in ssh-keygen's allowed_signers format: "
                                  'one line per signer, e.g. `ana@acme.example namespaces="kitgen" '
                                  "ssh-ed25519 AAAA…`."])
    return _verify(data, signature, email, allowed_signers)


def _verify(data: bytes, signature: bytes, email: str, allowed: Path) -> tuple[bool, str]:
    """``ssh-keygen -Y verify`` exactly as the README shows an auditor running it."""
    with tempfile.TemporaryDirectory(prefix="kitgen-sig-") as folder:
        sig = Path(folder) / "record.sig"
        sig.write_bytes(signature)
        result = subprocess.run(
            [_ssh_keygen(), "-Y", "verify", "-f", str(allowed), "-I", email,
             "-n", NAMESPACE, "-s", str(sig)],
            input=data, capture_output=True, timeout=60,
        )
    message = (result.stdout + result.stderr).decode(errors="replace").strip()
    return result.returncode == 0, message.splitlines()[-1] if message else ""
