"""Fetching NeuroSim: a verified checkout at the pinned commit, adapted, with the record of what was changed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from .adapt import CORE, apply_adaptations, write_record
from .param_patch import UpstreamChanged


def _git(*args, cwd=None) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def fetch(dest: Path, *, repo: str | None, commit: str | None, path: str | None) -> str:
    """Put a verified, adapted copy of NeuroSim at dest/checkout; return its commit."""
    dest = Path(dest)
    checkout = dest / "checkout"
    if checkout.exists():
        shutil.rmtree(checkout)
    dest.mkdir(parents=True, exist_ok=True)
    source = repo if repo else str(Path(path).expanduser().resolve())
    is_git = (
        repo is not None
        or subprocess.run(["git", "-C", source, "rev-parse", "--git-dir"], capture_output=True).returncode == 0
    )  # a checkout or a bare mirror
    if is_git:
        # "--" ends options: a repository string can never be read as one.
        _git("clone", "--quiet", "--no-checkout", "--", source, str(checkout))
        if commit:
            # commit is a checked 40-hex hash, never an option
            _git("-c", "advice.detachedHead=false", "checkout", "--quiet", commit, cwd=checkout)
        else:
            _git("checkout", "--quiet", "HEAD", cwd=checkout)
        head = _git("rev-parse", "HEAD", cwd=checkout)
        if commit and head != commit:
            raise RuntimeError(f"fetched commit {head} is not the pinned commit {commit}")
    else:
        shutil.copytree(source, checkout, symlinks=True)
        head = commit or "unversioned"
    applied = apply_adaptations(checkout, head)
    check_param_names(checkout, head)
    write_record(dest / "adaptations.json", head, applied)
    return head


def check_param_names(checkout: Path, commit: str) -> None:
    """Every knob NoisyNeuroSIM may patch needs an unconditional assignment; stop before any build."""
    from .knobs import PARAM_NAMES
    from .param_patch import find_unconditional

    path = Path(checkout) / CORE / "Param.cpp"
    lines = path.read_text(errors="replace").splitlines(keepends=True)
    missing = [name for name in PARAM_NAMES if find_unconditional(lines, name) is None]
    if missing:
        raise UpstreamChanged(
            f"upstream changed: no unconditional assignment of {', '.join(missing)} "
            f"in {CORE}/Param.cpp (commit {commit})"
        )
