"""Fixtures of the hostile-input and fault suite (issue 5).

Rendering is the expensive part, so the suite renders as little as it can: the kit in
``valid-kit.yaml`` (three documents) is built once per run (for all xdist workers), approved,
released and built again in stages (``stages``), and every test copies the stage it needs
(``copy_of``). Each module
is marked with its category (``pytest -m hostile_tamper``…) and every test with ``hostile`` and
``slow``.

This folder is a package so that this conftest does not shadow ``tests/conftest.py``; what the
modules share lives in ``support.py``.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import MARA, SAM, SUE, built_once, copy_workspace, make_key, must, run_kitgen

from hostile.support import (
    HERE,
    KIT,
    Sentinel,
    SocketGuard,
    Stages,
    network_guard,
    policy_block,
    staged_kit_text,
    workspace_with,
)

CATEGORIES = ("input", "injection", "tamper", "crash", "concurrency", "runaway", "properties",
              "trust")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "hostile: the hostile-input and fault suite (issue 5)")
    for name in CATEGORIES:
        config.addinivalue_line("markers", f"hostile_{name}: hostile suite, {name} cases")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.hostile)
            item.add_marker(pytest.mark.slow)  # every case starts from a built stage


@pytest.fixture(scope="session")
def stages(tmp_path_factory: pytest.TempPathFactory) -> Stages:
    return built_once(tmp_path_factory, "hostile-stages", build_the_stages)


def build_the_stages(base: Path) -> Stages:
    keys, public = {}, {}
    for who in ("sam", "mara", "stray"):
        keys[who], public[who] = make_key(base / "keys", who)
    policy = policy_block(public)
    built = workspace_with(base / "built", staged_kit_text(policy))
    must(run_kitgen("build", cwd=built))

    approved = copy_workspace(built, base / "approved")
    for side, who, key in (("sales", SAM, "sam"), ("marketing", MARA, "mara")):
        must(run_kitgen("approve", KIT, "--side", side, "--name", who[0], "--email", who[1],
                        "--yes", "--sign-key", str(keys[key]), cwd=approved))

    released = copy_workspace(approved, base / "released")
    must(run_kitgen("build", "--release", cwd=released))
    workspace_with(released, staged_kit_text(
        policy, **{"need: A one-page battlecard against Globex.":
                   "need: A one-page battlecard against Globex, with pricing."}))
    must(run_kitgen("build", cwd=released))
    must(run_kitgen("reject", KIT, "--side", "sales", "--name", SUE[0], "--email", SUE[1],
                    "--yes", "--reason", "Pricing is out of date", cwd=released))
    must(run_kitgen("feedback", KIT, "battlecards.globex", "--useful", "yes", "--note",
                    "Won the deal", "--name", "Dana Reyes", "--email", "dana@acme.example",
                    cwd=released))
    return Stages(built, approved, released, keys, public, policy)


@pytest.fixture(scope="session")
def sentinel(tmp_path_factory: pytest.TempPathFactory) -> Sentinel:
    token = f"KITGEN-SENTINEL-{secrets.token_hex(12)}"
    path = tmp_path_factory.mktemp("outside") / "secret.txt"
    path.write_text(f"{token}\n")
    return Sentinel(path, token)


@pytest.fixture
def socket_guard(tmp_path: Path) -> Iterator[SocketGuard]:
    """Network use during the test fails it (see ``network_guard``)."""
    with network_guard(tmp_path / "socket-attempts.log") as guard:
        yield guard
    assert guard.attempts() == "", f"network use during the test:\n{guard.attempts()}"
