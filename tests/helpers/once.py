"""Built once for the whole run, however many pytest-xdist workers ask."""

from __future__ import annotations

import fcntl
import os
import pickle
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest

T = TypeVar("T")


def built_once(factory: pytest.TempPathFactory, name: str, make: Callable[[Path], T]) -> T:
    """What ``make(folder)`` returns, made once per run in a folder every worker can read.

    A session fixture is built once per xdist worker; a built kit the tests only read needs
    building once in all. The first worker to ask builds it while the others wait on a lock,
    and every worker reads the result (pickled beside the folder). The run's base folder is
    new for every run, so nothing carries over from an earlier one. Tests must not change what
    is shared: they copy it first (``copy_of``)."""
    base = factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    result = shared / f"{name}.pickle"
    with open(shared / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not result.exists():
            folder = shared / name
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            result.write_bytes(pickle.dumps(make(folder)))
    value: T = pickle.loads(result.read_bytes())
    return value
