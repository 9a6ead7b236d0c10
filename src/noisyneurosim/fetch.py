"""Fetching NeuroSim: a verified checkout at the pinned commit, adapted, with the record of what was changed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from . import paths
from .adapt import CORE, apply_adaptations, missing_files, write_record
from .overlay import lay_over
from .param_patch import UpstreamChanged


class FetchError(RuntimeError):
    """NeuroSim could not be fetched as pinned; the message says why, in git's words, and what to do."""

    said_in_full = True  # the message is the whole story: a job ends with it, without a traceback


# git's words when the machine cannot reach the repository at all
UNREACHABLE = (
    "Could not resolve host",
    "Failed to connect",
    "Connection timed out",
    "Network is unreachable",
    "unable to access",
    "Connection refused",
    "Could not read from remote repository",
)


def git(*args, cwd=None, log=None) -> str:
    """Run git; on failure raise FetchError with git's own message (also written to the fetch log)."""
    proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)
    command = next(a for a in args if not a.startswith("-") and "=" not in a)  # past "-c name=value"
    if log is not None and proc.stderr.strip():
        log.info("git %s: %s", command, proc.stderr.strip())
    if proc.returncode != 0:
        said = proc.stderr.strip() or proc.stdout.strip() or f"exit code {proc.returncode}"
        hint = ""
        if (command == "checkout" and ("is not a tree" in said or "did not match" in said)) or (
            command == "fetch" and any(w in said for w in ("not our ref", "couldn't find remote ref", "no such remote"))
        ):
            hint = (
                "; the repository has no such commit or branch: check neurosim.commit (a full 40-character "
                "hash) and neurosim.branch"
            )
        elif any(words in said for words in UNREACHABLE):
            hint = (
                "; fetching NeuroSim needs the internet (on a cluster, run Snakemake on the login node), or set "
                "neurosim.path to a local checkout or bare mirror of it instead of neurosim.repo"
            )
        raise FetchError(f"git {command} failed: {said}{hint}")
    return proc.stdout.strip()


def verify_complete(checkout: Path, commit: str, log=None) -> None:
    """Every tracked file present and as committed: a mirror that lacks objects checks out 'successfully'
    and leaves holes (the missing checkpoint would show up hours later, in a GPU job)."""
    changed = git("status", "--porcelain", "--untracked-files=no", cwd=checkout, log=log)
    if changed:
        files = [line.split(None, 1)[1] for line in changed.splitlines()]  # "XY path"
        shown = ", ".join(files[:5]) + (f" and {len(files) - 5} more" if len(files) > 5 else "")
        raise FetchError(
            f"the checkout of commit {commit} is incomplete: {len(files)} tracked file(s) missing or different "
            f"({shown}); the repository lacks their objects (a partial or damaged mirror). Fetch a complete "
            "copy (git clone --mirror), or point neurosim.path at a complete checkout"
        )


def is_repository(folder: Path) -> bool:
    """A git checkout's top level or a bare mirror; a plain folder inside some other repository (the
    stand-in inside this project's clone) is a plain folder."""
    folder = Path(folder)
    return (folder / ".git").exists() or ((folder / "HEAD").is_file() and (folder / "objects").is_dir())


def fetch(
    dest: Path,
    *,
    repo: str | None,
    commit: str | None,
    path: str | None,
    branch: str | None = None,
    overlay: str | None = None,
    log=None,
) -> str:
    """Put a verified, adapted copy of NeuroSim at dest/checkout; return its commit. A git source gives only
    the pinned commit, through the local cache (versions.ensure_commit): never a clone of every branch."""
    from .versions import ensure_commit

    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    dest = dest.resolve()
    checkout = dest / "checkout"
    if checkout.exists():
        shutil.rmtree(checkout)
    source = repo if repo else str(Path(path).expanduser().resolve())
    is_git = repo is not None or is_repository(Path(source))
    if is_git:
        cache = dest.parent / Path(paths.GIT_CACHE).name
        head = ensure_commit(cache, source, commit, branch, log=log)
        git("init", "--quiet", str(checkout), cwd=dest, log=log)
        # head is a checked 40-hex hash, never an option
        git("fetch", "--quiet", "--depth", "1", "--no-tags", str(cache), head, cwd=checkout, log=log)
        git("-c", "advice.detachedHead=false", "checkout", "--quiet", head, cwd=checkout, log=log)
        if git("rev-parse", "HEAD", cwd=checkout) != head:
            raise FetchError(f"fetched commit {git('rev-parse', 'HEAD', cwd=checkout)} is not the pinned commit {head}")
        verify_complete(checkout, head, log=log)
    else:
        shutil.copytree(source, checkout, symlinks=True)
        head = commit or "unversioned"
    missing = missing_files(checkout)
    if missing:
        raise FetchError(
            f"the NeuroSim copy from {source} lacks {', '.join(missing)}, which the build and NeuroSim's scripts "
            "need; point neurosim.path or neurosim.repo at a complete copy"
        )
    laid = lay_over(checkout, Path(overlay).expanduser()) if overlay else []
    applied = apply_adaptations(checkout, head)
    check_param_names(checkout, head)
    check_extra_knobs(checkout, head)
    write_record(dest / "adaptations.json", head, applied, overlay=laid)
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


def check_extra_knobs(checkout: Path, commit: str) -> None:
    """A group's own inference.py arguments (extra_knobs) must be in the copy's inference.py (Param.cpp
    variables are checked with the built-in ones); stop before any inference."""
    from .knobs import INFERENCE, extras

    text = (Path(checkout) / "Inference_pytorch" / "inference.py").read_text(errors="replace")
    missing = [k.missing_in(text) for k in extras() if k.side == INFERENCE and k.missing_in(text)]
    if missing:
        raise UpstreamChanged(f"extra_knobs: {'; '.join(missing)} (commit {commit})")
