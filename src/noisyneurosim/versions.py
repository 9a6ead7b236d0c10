"""NeuroSim versions: where each comes from, and what decides which of their jobs can be shared.

A sweep runs on its `neurosim:` version; a study may also name other versions (`neurosim_versions`), and
every point of it then runs on each. Each version gets its own builds and estimates (its C++ core), while
an inference run is shared between versions whose Python side is the same: the files an inference reads
(every Python file under Inference_pytorch/ outside the C++ core's folder, and the shipped checkpoints),
hashed with line endings made equal (Python reads CRLF and LF alike; NeuroSim's standalone repository
ships CRLF, its combined one LF). Each version's jobs are named by its commit; an inference run shared
with an earlier version of the sweep (the `neurosim:` one first, then the study lists' order) keeps that
version's commit in its id, so naming another version to compare never changes the ids of the others.

Git sources (a repository URL, a local mirror or checkout) are fetched into one local cache, only the
pinned commit (`git fetch --depth 1`; a server that refuses a commit by hash is asked for `branch`); the
fetch job checks its copy out from there. Sweeps that compare versions fetch when the config is read,
since their content decides the ids; single-version sweeps fetch in the fetch job only.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from . import paths

LABEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
PYTHON_SIDE = "Inference_pytorch"
CORE_FOLDER = "Inference_pytorch/NeuroSIM/"
# the keys of a version under neurosim_versions: the source keys of neurosim
VERSION_SOURCE_KEYS = ("repo", "branch", "commit", "path", "overlay")


@dataclass(frozen=True)
class Version:
    """One NeuroSim source: a repository or a folder, pinned to a commit ("local": an unversioned folder), with
    a group's own files laid over it (overlay: a folder laid out like NeuroSim's tree)."""

    label: str
    commit: str
    repo: str | None = None
    path: str | None = None
    branch: str | None = None
    overlay: str | None = None

    @property
    def key(self) -> str:
        """The name of its fetched copy's folder (resources/neurosim/<key>): the commit, and with an overlay
        where the overlay lives (its content may change; the folder stays, refreshed by the fetch)."""
        if not self.overlay:
            return self.commit
        where = str(Path(self.overlay).expanduser().resolve())
        return f"{self.commit}-o{hashlib.sha256(where.encode()).hexdigest()[:10]}"

    @property
    def source(self) -> str:
        return self.repo or str(Path(self.path).expanduser().resolve())

    def is_git(self) -> bool:
        from .fetch import is_repository

        return self.repo is not None or is_repository(Path(self.path).expanduser())


def default_label(repo: str | None, path: str | None, branch: str | None, commit: str) -> str:
    """The branch (or repository, or folder) and the short commit: '2DInferenceV1.4-8a88abf'."""
    where = branch or Path((repo or path or "neurosim").rstrip("/")).name.removesuffix(".git")
    where = re.sub(r"[^A-Za-z0-9._-]", "-", where).lstrip("-._") or "neurosim"
    return f"{where[:50]}-{commit[:7]}"


def is_python_side(name: str) -> bool:
    """A file an inference reads: a Python file of Inference_pytorch outside the core's folder, or a checkpoint."""
    if not name.startswith(PYTHON_SIDE + "/") or name.startswith(CORE_FOLDER):
        return False
    return name.endswith(".py") or (name.startswith(PYTHON_SIDE + "/log/") and name.endswith(".pth"))


def _digest(files: dict[str, bytes]) -> str:
    """One hash of named contents; text with CRLF hashed as LF (the same Python program)."""
    h = hashlib.sha256()
    for name in sorted(files):
        content = files[name] if name.endswith(".pth") else files[name].replace(b"\r\n", b"\n")
        h.update(name.encode() + b"\0" + hashlib.sha256(content).digest())
    return h.hexdigest()[:16]


def is_core_side(name: str) -> bool:
    """A file a build or an estimate reads: the C++ core's sources, makefile and network files."""
    return name.startswith(CORE_FOLDER) and name.rsplit("/", 1)[-1] != "main" and not name.endswith((".o", ".depend"))


def folder_files(folder: Path, wanted) -> dict[str, bytes]:
    names = [p.relative_to(folder).as_posix() for p in Path(folder).rglob("*") if p.is_file()]
    return {n: (Path(folder) / n).read_bytes() for n in names if wanted(n)}


def python_fingerprint(version: Version, base: Path) -> str:
    """The hash of the files an inference reads in this version, its overlay laid over (fetching a git
    source's commit first)."""
    if not version.is_git():
        files = folder_files(Path(base, version.path).expanduser(), is_python_side)
    else:
        cache = Path(base, paths.GIT_CACHE)
        commit = ensure_commit(cache, version.source, version.commit, version.branch)
        listing = _git("ls-tree", "-r", "-z", commit, cwd=cache).split("\0")
        blobs = {}
        for entry in filter(None, listing):
            meta, name = entry.split("\t", 1)
            if meta.split()[1] == "blob" and is_python_side(name):
                blobs[name] = meta.split()[2]
        files = {name: _git_bytes("cat-file", "blob", blob, cwd=cache) for name, blob in blobs.items()}
    if version.overlay:
        files.update(folder_files(Path(base, version.overlay).expanduser(), is_python_side))
    return _digest(files)


@dataclass(frozen=True)
class Content:
    """What a version's content adds to the ids of its jobs, beyond its commit.

    A commit of a git repository is its content; a plain folder's commit is a label, and an overlay changes
    what runs. So a plain folder's Python side (inference, training) and C++ side (builds) are hashed, and
    their hashes join the ids where they differ from the content the folder had when the workflow first saw
    it (its baseline, resources/neurosim/<commit>/baseline.json): results made before content was hashed keep
    their ids, and a changed file reruns exactly what it decides. An overlay's files join the ids of their
    side. `fetch` changes whenever any of it does (the fetch job then refreshes the copy)."""

    python: str = ""
    core: str = ""
    fetch: str = ""


def content(version: Version, base: Path) -> Content:
    """The version's content identity (recording a plain folder's baseline the first time it is seen)."""
    python = core = ""
    fetch = version.commit
    if not version.is_git():
        files = folder_files(Path(base, version.path).expanduser(), lambda n: is_python_side(n) or is_core_side(n))
        now = {
            "python": _digest({n: c for n, c in files.items() if is_python_side(n)}),
            "core": _digest({n: c for n, c in files.items() if is_core_side(n)}),
        }
        baseline = _baseline(Path(base, paths.CONTENT_BASELINE.format(commit=version.commit)), now)
        python = now["python"] if now["python"] != baseline.get("python") else ""
        core = now["core"] if now["core"] != baseline.get("core") else ""
        fetch += f" content {now['python']} {now['core']}"
    if version.overlay:
        laid = folder_files(Path(base, version.overlay).expanduser(), lambda n: True)
        ours = {n: c for n, c in laid.items() if is_python_side(n)}, {n: c for n, c in laid.items() if is_core_side(n)}
        python = " ".join(filter(None, [python, ours[0] and "overlay " + _digest(ours[0])]))
        core = " ".join(filter(None, [core, ours[1] and "overlay " + _digest(ours[1])]))
        fetch += f" overlay {_digest(laid)}"
    return Content(python=python, core=core, fetch=fetch)


def _baseline(path: Path, now: dict) -> dict:
    from .files import atomic_write, read_json

    recorded = read_json(path)
    if isinstance(recorded, dict):
        return recorded
    import json

    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, json.dumps(now, indent=1) + "\n")
    return now


def ensure_commit(cache: Path, source: str, commit: str | None, branch: str | None, log=None) -> str:
    """The commit in the local cache (fetched once: only that commit, or the branch where a server refuses a
    commit by hash); returns its full hash. Several fetch jobs may share the cache: a lock keeps them apart."""
    cache.mkdir(parents=True, exist_ok=True)
    with _locked(cache.parent / (cache.name + ".lock")):
        if not (cache / "HEAD").is_file():
            _git("init", "--quiet", "--bare", str(cache), cwd=cache.parent, log=log)
        if commit and _has_commit(cache, commit):
            return commit
        wanted = commit or (f"refs/heads/{branch}" if branch else "HEAD")
        try:
            # "--" ends options: a repository string can never be read as one
            _git("fetch", "--quiet", "--depth", "1", "--no-tags", "--", source, wanted, cwd=cache, log=log)
        except Exception as exc:
            _name_missing_objects(exc, source, wanted)
            if not (commit and branch):
                raise
            # a server that refuses an unadvertised commit: the branch's history, then the commit in it
            _git("fetch", "--quiet", "--no-tags", "--", source, f"refs/heads/{branch}", cwd=cache, log=log)
        head = commit if commit else _git("rev-parse", "FETCH_HEAD", cwd=cache)
        if not _has_commit(cache, head):
            from .fetch import FetchError

            raise FetchError(
                f"{source} has no commit {head}"
                + (f" on branch {branch}" if branch else "")
                + ": check neurosim.commit (a full 40-character hash) and neurosim.branch"
            )
        _git("update-ref", f"refs/noisyneurosim/{head}", head, cwd=cache, log=log)  # kept from git gc
        return head


def _name_missing_objects(exc: Exception, source: str, commit: str) -> None:
    """A local mirror that lacks objects (a partial or damaged copy) fails the fetch with a bare object id:
    say which files they are, read from the mirror's own tree."""
    missing = set(re.findall(r"unable to read ([0-9a-f]{40})", str(exc)))
    if not missing or not Path(source).exists():
        return
    from .fetch import FetchError

    proc = subprocess.run(["git", "ls-tree", "-r", commit], cwd=source, capture_output=True, text=True, check=False)
    files = [line.split("\t", 1)[1] for line in proc.stdout.splitlines() if line.split()[2] in missing]
    files = files or sorted(missing)
    raise FetchError(
        f"the checkout of commit {commit} is incomplete: {len(files)} tracked file(s) missing or different "
        f"({', '.join(files[:5])}); the repository lacks their objects (a partial or damaged mirror). Fetch a "
        "complete copy (git clone --mirror), or point neurosim.path at a complete checkout"
    ) from None


def _has_commit(cache: Path, commit: str) -> bool:
    proc = subprocess.run(
        ["git", "cat-file", "-e", f"{commit}^{{commit}}"], cwd=cache, capture_output=True, text=True, check=False
    )
    return proc.returncode == 0


@contextlib.contextmanager
def _locked(lock: Path):
    with open(lock, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _git(*args, cwd, log=None) -> str:
    from .fetch import git

    return git(*args, cwd=cwd, log=log)


def _git_bytes(*args, cwd) -> bytes:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=True).stdout


def inference_anchors(versions: list[Version], base: Path) -> dict[str, Version]:
    """For each version, the version whose inference runs it uses: the first (in this order) whose Python
    side is the same. Only versions that are compared are hashed (and fetched)."""
    if len(versions) < 2:
        return {v.label: v for v in versions}
    seen: dict[str, Version] = {}
    return {v.label: seen.setdefault(python_fingerprint(v, base), v) for v in versions}


def readable_file(version: Version, name: str, base: Path) -> str | None:
    """A file of this version as it will run (the overlay's where it has one), where it can be read now
    (an overlay, a plain folder); None for a git source's file not fetched yet."""
    for folder in (version.overlay, None if version.is_git() else version.path):
        if folder and Path(base, folder, name).expanduser().is_file():
            return Path(base, folder, name).expanduser().read_text(errors="replace")
    return None
