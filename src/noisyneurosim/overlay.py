"""A group's own NeuroSim files (neurosim.overlay): laid over the fetched copy before the adaptations.

The overlay is a folder laid out like NeuroSim's tree (Inference_pytorch/inference.py,
Inference_pytorch/NeuroSIM/Param.cpp, ...). Its files replace upstream's, or are added; the adaptations then
apply to them as to upstream's, so an overlaid file an adaptation targets must hold its anchor: checked when
the config is read, with the file, the adaptation and the line it looks for. What was laid over is recorded
with each file's hash and its diff against upstream, and for Param.cpp which assignments the group's file
changes (knobs then patch it as they patch upstream's).
"""

from __future__ import annotations

import difflib
import hashlib
import re
import shutil
from pathlib import Path

from .adapt import ADAPTATIONS, CORE, ROOT, TRAINING_ADAPTATIONS

ASSIGNMENT = re.compile(r"^\s*(?:param->)?([A-Za-z_]\w*)\s*=\s*([^;]+);")


def files(folder: Path) -> list[str]:
    """The overlay's files, relative to it (posix)."""
    folder = Path(folder)
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def problems(folder: Path, where: str) -> list[str]:
    """What is wrong with an overlay, before any job: files NeuroSim never reads, anchors an overlaid file
    lacks, knobs its Param.cpp cannot take."""
    from .knobs import PARAM_NAMES
    from .param_patch import find_unconditional

    folder = Path(folder)
    out = [
        f"{where} = {folder}: {name} is outside {ROOT}/, which nothing of NeuroSim reads"
        for name in files(folder)
        if not name.startswith(ROOT + "/")
    ]
    for table, what in ((ADAPTATIONS, "adaptation"), (TRAINING_ADAPTATIONS, "training adaptation")):
        for a in table:
            path = folder / ROOT / a.file
            if not path.is_file():
                continue
            with open(path, newline="") as fh:
                count = len(re.findall(a.anchor, fh.read(), re.MULTILINE))
            if count < a.minimum:
                out.append(
                    f"{where}: {ROOT}/{a.file} of the overlay lacks what the {what} {a.name!r} looks for "
                    f"({count} of at least {a.minimum} lines matching {a.anchor!r}: {a.why}); keep that line in "
                    "your file, or NoisyNeuroSIM cannot run it here"
                )
    param = folder / CORE / "Param.cpp"
    if param.is_file():
        lines = param.read_text(errors="replace").splitlines(keepends=True)
        missing = [name for name in PARAM_NAMES if find_unconditional(lines, name) is None]
        if missing:
            out.append(
                f"{where}: {CORE}/Param.cpp of the overlay has no unconditional assignment of "
                f"{', '.join(missing)}, which knobs set; keep one of each (a value of your own is fine)"
            )
    return out


def lay_over(checkout: Path, folder: Path) -> list[dict]:
    """Copy the overlay's files over the checkout; return the record of each (hash, diff against upstream,
    and for Param.cpp the assignments the group's file changes)."""
    record = []
    for name in files(folder):
        ours, theirs = Path(folder) / name, Path(checkout) / name
        upstream = theirs.read_bytes() if theirs.is_file() else None
        data = ours.read_bytes()
        entry = {
            "file": name,
            "sha256": hashlib.sha256(data).hexdigest(),
            "upstream": "replaced" if upstream else "added",
        }
        if upstream is not None:
            entry["diff"] = "".join(
                difflib.unified_diff(
                    upstream.decode(errors="replace").splitlines(keepends=True),
                    data.decode(errors="replace").splitlines(keepends=True),
                    f"upstream/{name}",
                    f"overlay/{name}",
                )
            )
            if name == f"{CORE}/Param.cpp":
                entry["param_values_from_overlay"] = changed_assignments(
                    upstream.decode(errors="replace"), data.decode()
                )
        theirs.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ours, theirs)
        record.append(entry)
    return record


def changed_assignments(upstream: str, ours: str) -> dict:
    """The first assignment of each name whose value the group's Param.cpp changes: name -> [upstream, ours]."""

    def first(text):
        out: dict = {}
        for line in text.splitlines():
            if m := ASSIGNMENT.match(line):
                out.setdefault(m.group(1), m.group(2).strip())
        return out

    before, after = first(upstream), first(ours)
    return {n: [before.get(n), v] for n, v in after.items() if before.get(n) != v}


def param_values(text: str) -> dict:
    """The knob values a group's Param.cpp sets (its first unconditional assignments), as plain numbers and
    booleans; expressions, and the values a coupling sets from the accuracy side, are left to NoisyNeuroSIM."""
    from .knobs import COUPLINGS, INFERENCE_NAMES, PARAM_NAMES
    from .param_patch import find_unconditional

    lines = text.splitlines(keepends=True)
    out = {}
    for name in PARAM_NAMES:
        if name in COUPLINGS.values() or name in INFERENCE_NAMES:
            continue
        index = find_unconditional(lines, name)
        m = ASSIGNMENT.match(lines[index]) if index is not None else None
        raw = m.group(2).strip() if m else ""
        if raw in ("true", "false"):
            out[name] = raw == "true"
        elif re.fullmatch(r"[+-]?\d+", raw):
            out[name] = int(raw)
        elif re.fullmatch(r"[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?", raw):
            out[name] = float(raw)
    return out
