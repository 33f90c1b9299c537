"""A version's identity: a sha256 over the requirement file's data, the templates and assets a
render may read, and the kitgen version (so the same inputs always name the same version)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from kitgen import __version__
from kitgen.load.model import KitFile


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def data_digest(kit: KitFile) -> str:
    """The requirement file's data, independent of comments, key order and quoting.

    Values equal to their defaults are left out, so that a later kitgen adding an optional
    field does not change the digest of every snapshot already built and signed.
    """
    data = kit.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    return hashlib.sha256(canonical_json(data)).hexdigest()


def compute_digest(data_sha: str, inputs: dict[str, str], kitgen_version: str = __version__) -> str:
    payload = {"data": data_sha, "inputs": inputs, "kitgen": kitgen_version}
    return hashlib.sha256(canonical_json(payload)).hexdigest()
