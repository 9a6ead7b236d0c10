"""Writing result files so that a killed job never leaves a truncated one, and so that a file changed after
its job wrote it is known as such: every result carries a checksum its job recorded."""

from __future__ import annotations

import errno
import hashlib
import json
import math
import os
import tempfile
from pathlib import Path

# the key under which a JSON result holds its own checksum
CHECKSUM_KEY = "checksum"


def _umask() -> int:
    """The process's umask (os.umask can only be read by setting it)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write_bytes(path: Path, data: bytes, before_publish=None) -> None:
    """Write via a temporary file in the same folder and rename; the temporary file never outlives a failure.
    The file gets the permissions open() would give it (mkstemp's are 0600: colleagues sharing a project
    folder could not read the tables). `before_publish`, called just before the rename, may stop it
    (ownership.still_owned: a late attempt of an earlier run publishes nothing)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if before_publish is not None:
            before_publish()
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode())


def json_safe(value):
    """JSON has no inf/nan: non-finite numbers (already turned into a reason) become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [json_safe(v) for v in value]
    return value


def _place(path: Path) -> str:
    """Where a result lies, as far as its ids go (the last four parts of its path: results/<kind>/<id>/<file>
    and deeper ones alike): part of its checksum, so that a file copied from another run's place is foreign."""
    return "/".join(Path(os.path.abspath(path)).parts[-4:])


def data_checksum(path: Path, data: dict) -> str:
    """The checksum of a JSON result's content (without the checksum itself) at its place."""
    content = json.dumps({k: v for k, v in data.items() if k != CHECKSUM_KEY}, sort_keys=True)
    return hashlib.sha256(f"{_place(path)}\n{content}".encode()).hexdigest()


def file_checksum(path: Path) -> str:
    """sha256 of a file's bytes (a traces archive, a checkpoint)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_json(path: Path, data: dict, before_publish=None) -> None:
    """A JSON result with its checksum inside: one atomic write, so file and checksum never disagree."""
    data = json.loads(json.dumps(json_safe(data), allow_nan=False, default=str))  # as it reads back
    data[CHECKSUM_KEY] = data_checksum(path, data)
    atomic_write_bytes(path, (json.dumps(data, indent=2, allow_nan=False) + "\n").encode(), before_publish)


def checksum_problem(path: Path, data: dict) -> str | None:
    """Why a JSON result's checksum says it is not what its job wrote (None: it is, or it was written
    before checksums were recorded, which only its readability can show)."""
    recorded = data.get(CHECKSUM_KEY)
    if recorded is None:
        return None
    if recorded != data_checksum(path, data):
        return "changed or moved after its job wrote it (its checksum differs)"
    return None


def sidecar(path: Path) -> Path:
    """Where the checksum of a file that cannot hold its own (a table) is recorded: beside it, hidden."""
    path = Path(path)
    return path.with_name(f".{path.name}.sha256")


def write_checked(path: Path, text: str) -> None:
    """A table with its checksum recorded beside it (after it: a job cut off in between is rerun anyway)."""
    atomic_write(path, text)
    atomic_write(sidecar(path), f"{file_checksum(path)}  {Path(path).name}\n")


def table_problem(path: Path) -> str | None:
    """Why an existing table is not the one its job wrote (None: it is)."""
    try:
        recorded = sidecar(path).read_text().split()[0]
    except (OSError, IndexError):
        return "no checksum recorded (written by an earlier version, or by hand)"
    if recorded != file_checksum(path):
        return "changed after its job wrote it"
    return None


# below this much free space a folder counts as full (`status`, the end of a failed run say so)
LOW_SPACE_BYTES = 100 * 2**20


def mount_of(path: Path) -> Path:
    """The mount point a path lies on: what "no space left on" names."""
    path = Path(os.path.abspath(path))
    while not path.exists():
        path = path.parent
    while not os.path.ismount(path):
        path = path.parent
    return path


def no_space(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno == errno.ENOSPC


def space_problem(folder: Path) -> str | None:
    """ "no space left on <mount>" when the folder's file system is (nearly) full, else None."""
    import shutil

    free = shutil.disk_usage(folder).free
    if free >= LOW_SPACE_BYTES:
        return None
    return (
        f"no space left on {mount_of(folder)} ({free / 2**20:.0f} MB free, where {Path(folder).resolve()} lies): "
        "jobs fail until space is freed; then run again (what finished is kept)"
    )


def read_json(path: Path) -> dict | None:
    """A result file's content, or None when it is absent or unreadable (not run yet, or cut off)."""
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None
