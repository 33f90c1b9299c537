"""``--shard I/N``: a stable split of the kits over N parallel CI jobs."""

from __future__ import annotations

import hashlib

from kitgen.base.errors import InputError


def parse_shard(text: str) -> tuple[int, int]:
    """``"I/N"`` → ``(I, N)``, with 1 ≤ I ≤ N."""
    index, slash, count = text.strip().partition("/")
    if slash and index.isdigit() and count.isdigit() and 1 <= int(index) <= int(count):
        return int(index), int(count)
    raise InputError(
        f"--shard {text!r} is not I/N",
        details=["Give the shard as I/N with 1 ≤ I ≤ N, e.g. --shard 2/4 for the second of "
                 "four CI jobs."],
    )


def in_shard(kit: str, index: int, count: int) -> bool:
    """A stable split of kits over ``count`` shards: the same kit id always lands in the same
    shard, whatever else is in the workspace, on any machine and Python version."""
    return int(hashlib.sha256(kit.encode()).hexdigest(), 16) % count == index - 1
