"""``--shard I/N``: a stable split of the kits over N parallel CI jobs."""

from __future__ import annotations

import hashlib
import re

from kitgen.base.errors import InputError
from kitgen.base.files import clip


def parse_shard(text: str) -> tuple[int, int]:
    """``"I/N"`` → ``(I, N)``, with 1 ≤ I ≤ N."""
    # ASCII digits only: "²".isdigit() is true, yet int("²") fails, and a CI job means 2.
    match = re.fullmatch(r"([0-9]{1,9})/([0-9]{1,9})", text.strip())
    if match and 1 <= int(match[1]) <= int(match[2]):
        return int(match[1]), int(match[2])
    raise InputError(
        f"--shard {clip(text)!r} is not I/N",
        details=["Give the shard as I/N with 1 ≤ I ≤ N, e.g. --shard 2/4 for the second of "
                 "four CI jobs."],
    )


def in_shard(kit: str, index: int, count: int) -> bool:
    """A stable split of kits over ``count`` shards: the same kit id always lands in the same
    shard, whatever else is in the workspace, on any machine and Python version."""
    return int(hashlib.sha256(kit.encode()).hexdigest(), 16) % count == index - 1
