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


# the C++ change the maintained version of the stand-in makes: smaller cells (chip area, and through it energy)
MAINTAINED_CHANGE = (
    "double cellArea = (p.memcelltype == 1) ? 0.3 : 0.05;",
    "double cellArea = (p.memcelltype == 1) ? 0.12 : 0.05;",
)
MAINTAINED_BRANCH = "2DInferenceV1.4"


def add_maintained_version(repo: Path) -> str:
    """A second version of the stand-in on its own branch, as NeuroSim's maintainers ship V1.4 against the
    standalone repository: one C++ change, and every Python file with other line endings (CRLF here).
    Returns its commit; the original commit stays on the first branch."""
    git("checkout", "-q", "-b", MAINTAINED_BRANCH, cwd=repo)
    chip = repo / "Inference_pytorch" / "NeuroSIM" / "Chip.cpp"
    old, new = MAINTAINED_CHANGE
    assert old in chip.read_text()
    chip.write_text(chip.read_text().replace(old, new))
    for py in (repo / "Inference_pytorch").rglob("*.py"):
        if "NeuroSIM" not in py.parts:
            py.write_bytes(py.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
    git("commit", "-q", "-am", "maintained: smaller cells, CRLF", cwd=repo)
    commit = git("rev-parse", "HEAD", cwd=repo)
    git("checkout", "-q", "-", cwd=repo)
    return commit
