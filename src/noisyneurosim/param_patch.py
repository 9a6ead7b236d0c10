"""Patching Param.cpp: set the first unconditional assignment of each name.

NeuroSim assigns some names more than once (``numColMuxed`` again for
sequential SRAM, ``cellBit = 1`` again for SRAM); those later, conditional
assignments are NeuroSim's own rules and stay untouched. Only numbers and
booleans are ever written, and every value is read back after patching.
"""

from __future__ import annotations

import difflib
import math
import re

from .knobs import KNOBS

CONSTRUCTOR = re.compile(r"\bParam::Param\s*\(\s*\)")
BARE_CONTROL = re.compile(r"^\s*(if|else|for|while)\b.*\)?\s*$")


class UpstreamChanged(Exception):
    said_in_full = True  # names the file, the anchor and the commit: a job ends with it, without a traceback


def _code_only(line: str, in_block: bool) -> tuple[str, bool]:
    """Strip comments and string literals from one line; track /* */ across lines."""
    out, i = [], 0
    while i < len(line):
        if in_block:
            end = line.find("*/", i)
            if end < 0:
                return "".join(out), True
            i, in_block = end + 2, False
        elif line.startswith("//", i):
            break
        elif line.startswith("/*", i):
            in_block, i = True, i + 2
        elif line[i] == '"':
            end = line.find('"', i + 1)
            i = len(line) if end < 0 else end + 1
        else:
            out.append(line[i])
            i += 1
    return "".join(out), in_block


def _assignment(name: str) -> re.Pattern:
    return re.compile(r"^(\s*)(" + re.escape(name) + r")(\s*=\s*)([^;]*?)(\s*;.*)$", re.DOTALL)


def find_unconditional(lines: list[str], name: str) -> int | None:
    """Index of the first assignment of `name` directly in the constructor body."""
    rx = _assignment(name)
    depth, started, in_block, previous = 0, False, False, ""
    for idx, raw in enumerate(lines):
        code, in_block_next = _code_only(raw, in_block)
        if not started:
            if CONSTRUCTOR.search(code):
                started = True
                depth = 0
            else:
                in_block = in_block_next
                continue
        stripped = code.strip()
        guarded = BARE_CONTROL.match(previous) and not previous.rstrip().endswith((";", "{", "}"))
        if started and depth == 1 and not in_block and rx.match(raw.rstrip("\r\n")) and not guarded:
            return idx
        depth += code.count("{") - code.count("}")
        if started and depth <= 0 and "}" in code:
            return None  # left the constructor
        if stripped:
            previous = stripped
        in_block = in_block_next
    return None


def format_value(name: str, value) -> str:
    knob = KNOBS[name]
    if knob.kind == "bool":
        if not isinstance(value, bool):
            raise TypeError(f"{name}: expected a boolean, got {value!r}")
        return "true" if value else "false"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name}: expected a number, got {value!r}")
    if knob.kind == "float":
        value = float(value)
        if not math.isfinite(value):
            raise ValueError(f"{name}: non-finite value {value!r}")
        return repr(value)
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(f"{name}: expected an integer, got {value!r}")
        value = int(value)
    return str(int(value))


def read_value(name: str, literal: str):
    literal = literal.strip()
    if KNOBS[name].kind == "bool":
        return {"true": True, "false": False}.get(literal)
    try:
        value = 1.0
        for factor in literal.split("*"):  # upstream writes products such as 100e3*17
            value *= float(factor)
        return value
    except ValueError:
        return None  # any other C expression: rewritten as a number


def _same(name: str, got, value) -> bool:
    if KNOBS[name].kind == "bool":
        return got is value
    return got is not None and math.isclose(got, float(value), rel_tol=1e-12)


def current_values(text: str, names) -> dict:
    lines = text.splitlines(keepends=True)
    out = {}
    for name in names:
        idx = find_unconditional(lines, name)
        if idx is not None:
            out[name] = _assignment(name).match(lines[idx].rstrip("\r\n")).group(4)
    return out


def patch_param_cpp(text: str, values: dict, *, where: str = "Param.cpp") -> str:
    """Return Param.cpp with each name's first unconditional assignment set to its value."""
    lines = text.splitlines(keepends=True)
    missing = []
    for name, value in values.items():
        idx = find_unconditional(lines, name)
        if idx is None:
            missing.append(name)
            continue
        raw = lines[idx]
        m = _assignment(name).match(raw.rstrip("\r\n"))
        if _same(name, read_value(name, m.group(4)), value):
            continue  # keep upstream's spelling, so the diff shows only real changes
        ending = raw[len(raw.rstrip("\r\n")) :]
        lines[idx] = f"{m.group(1)}{m.group(2)}{m.group(3)}{format_value(name, value)}{m.group(5)}{ending}"
    if missing:
        raise UpstreamChanged(f"upstream changed: no unconditional assignment of {', '.join(missing)} in {where}")
    patched = "".join(lines)
    verify(patched, values, where=where)
    return patched


def verify(text: str, values: dict, *, where: str = "Param.cpp") -> None:
    found = current_values(text, values)
    for name, value in values.items():
        if not _same(name, read_value(name, found.get(name, "")), value):
            raise UpstreamChanged(f"{where}: {name} reads {found.get(name)!r} after patching, expected {value!r}")


def unified_diff(old: str, new: str, name: str = "Param.cpp") -> str:
    return "".join(
        difflib.unified_diff(
            old.splitlines(keepends=True), new.splitlines(keepends=True), f"a/{name}", f"b/{name}", n=0
        )
    )
