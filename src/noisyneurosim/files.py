"""Writing result files so that a killed job never leaves a truncated one."""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write via a temporary file in the same folder and rename; the temporary file never outlives a failure."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
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


def write_json(path: Path, data: dict) -> None:
    atomic_write(path, json.dumps(json_safe(data), indent=2, allow_nan=False, default=str) + "\n")


def read_json(path: Path) -> dict | None:
    """A result file's content, or None when it is absent or unreadable (not run yet, or cut off)."""
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None
