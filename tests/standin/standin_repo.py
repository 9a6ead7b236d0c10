"""Create the stand-in NeuroSim as a git repository (used by the tests and the benchmarks)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

STANDIN = Path(__file__).resolve().parent / "neurosim"


def git(*args, cwd) -> str:
    env = dict(
        os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@t", GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@t"
    )
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True, env=env).stdout.strip()


def make_standin(dest: Path) -> tuple[Path, str]:
    """A git repository with the stand-in NeuroSim at dest; returns (path, commit)."""
    shutil.copytree(STANDIN, dest, ignore=shutil.ignore_patterns("*.o", "main", ".depend", "__pycache__"))
    git("init", "-q", cwd=dest)
    git("add", "-A", cwd=dest)
    git("commit", "-q", "-m", "stand-in NeuroSim", cwd=dest)
    return dest, git("rev-parse", "HEAD", cwd=dest)
