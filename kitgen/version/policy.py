"""A version's sign-off policy — who may sign for each side, with which key, and whether
approvals must be signed — as its manifest records it, and how two policies differ.

A policy change is anchored in the last released version's policy (signoff/ledger.py), as TUF
anchors a new root key in the old root: so that a change of who may approve cannot approve
itself. Addresses compare as one mailbox (base/emails.py) and keys by their key material, so
reordering a list, respelling an address or editing a key's comment is no change.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from typing import Any

from kitgen.base.emails import canonical_email
from kitgen.load.model import SIDES, Signoff


@dataclass(frozen=True)
class PolicyDifference:
    """One difference between two policies: ``before`` is "" for something added, ``after``
    is "" for something removed. Keys are shown by their SHA256 fingerprint."""

    field: str  # signoff.marketing, signoff.sales, signoff.keys.<email>, signoff.require_signatures
    before: str
    after: str

    def describe(self) -> str:
        if not self.before:
            return f"{self.field}: {self.after} added"
        if not self.after:
            return f"{self.field}: {self.before} removed"
        return f"{self.field}: {self.before} → {self.after}"

    def as_json(self) -> dict[str, str]:
        return {"field": self.field, "before": self.before, "after": self.after}


def policy_record(policy: Signoff) -> dict[str, Any]:
    """The policy as a manifest records it: as written in the requirement file."""
    return {"marketing": list(policy.marketing), "sales": list(policy.sales),
            "keys": dict(sorted(policy.keys.items())),
            "require_signatures": policy.require_signatures}


def key_fingerprint(key: str) -> str:
    """``SHA256:…`` of an SSH public key line, as ``ssh-keygen -l`` shows it; the comment after
    the key material does not count."""
    parts = key.split()
    try:
        blob = base64.b64decode(parts[1], validate=True) if len(parts) > 1 else key.encode()
    except (binascii.Error, ValueError):
        blob = key.encode()
    digest = base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")
    return f"SHA256:{digest}"


def diff_policies(old: Signoff, new: Signoff) -> list[PolicyDifference]:
    """How ``new`` differs from ``old``: signers added or removed per side, keys added, removed
    or replaced, and ``require_signatures`` switched."""
    differences: list[PolicyDifference] = []
    for side in SIDES:
        before = {canonical_email(e): e for e in getattr(old, side)}
        after = {canonical_email(e): e for e in getattr(new, side)}
        differences += [PolicyDifference(f"signoff.{side}", before[e], "")
                        for e in before if e not in after]
        differences += [PolicyDifference(f"signoff.{side}", "", after[e])
                        for e in after if e not in before]
    old_keys = {canonical_email(e): (e, key_fingerprint(k)) for e, k in old.keys.items()}
    new_keys = {canonical_email(e): (e, key_fingerprint(k)) for e, k in new.keys.items()}
    for email in sorted(old_keys.keys() | new_keys.keys()):
        shown, was = old_keys.get(email, ("", ""))
        shown, now = new_keys.get(email, (shown, ""))
        if was != now:
            differences.append(PolicyDifference(f"signoff.keys.{shown}", was, now))
    if old.require_signatures != new.require_signatures:
        differences.append(PolicyDifference("signoff.require_signatures",
                                            str(old.require_signatures).lower(),
                                            str(new.require_signatures).lower()))
    return differences


def policy_change_record(since: str, differences: list[PolicyDifference]) -> dict[str, Any]:
    """How a manifest records a change against the last released version (``since``)."""
    return {"since": since, "differences": [d.as_json() for d in differences]}
