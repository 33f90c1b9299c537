"""What git knows that kitgen asks for: a configured value such as ``user.email``."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path


def git_config(key: str, cwd: Path) -> str:
    """git's value for ``key`` as seen from ``cwd``; "" when unset or when git is missing."""
    git = shutil.which("git")
    if git is None:
        return ""
    try:
        result = subprocess.run([git, "config", "--get", key], cwd=cwd, capture_output=True,
                                text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return ""
    return result.stdout.strip() if result.returncode == 0 else ""
