"""Param.cpp patching: the first unconditional assignment, verified, nothing else touched."""

import pytest
from conftest import STANDIN

from noisyneurosim.param_patch import (
    UpstreamChanged,
    current_values,
    find_unconditional,
    format_value,
    patch_param_cpp,
    unified_diff,
)

PARAM = (STANDIN / "Inference_pytorch" / "NeuroSIM" / "Param.cpp").read_text()


def test_sets_the_unconditional_assignment_and_leaves_conditional_ones():
    patched = patch_param_cpp(PARAM, {"numColMuxed": 1, "cellBit": 2, "technode": 45})
    assert current_values(patched, ["numColMuxed", "cellBit", "technode"]) == {
        "numColMuxed": "1",
        "cellBit": "2",
        "technode": "45",
    }
    # NeuroSim's own rules (inside conditions) keep their values
    assert "\tnumColMuxed = 1;\n\t}" in patched  # the sequential-SRAM branch, as upstream wrote it
    assert "cellBit = 1;             // force cellBit = 1 for all SRAM cases" in patched
    diff = unified_diff(PARAM, patched)
    added = [line for line in diff.splitlines() if line.startswith("+") and not line.startswith("+++")]
    assert len(added) == 3 and "force cellBit" not in diff


def test_comments_and_expressions_survive():
    patched = patch_param_cpp(PARAM, {"resistanceOff": 1.5e6, "SARADC": True})
    assert "resistanceOff = 1500000.0;// 6e3*17; // Roff" in patched
    assert "SARADC = true;              // false: MLSA" in patched


def test_unchanged_values_keep_upstream_spelling():
    assert patch_param_cpp(PARAM, {"clkFreq": 1e9, "technode": 22}) == PARAM


def test_crlf_line_endings_are_kept():
    crlf = PARAM.replace("\n", "\r\n")
    patched = patch_param_cpp(crlf, {"technode": 14})
    assert patched.count("\r\n") == crlf.count("\r\n")
    assert "\ttechnode = 14;" in patched


def test_assignment_inside_a_block_comment_is_not_taken():
    text = PARAM.replace("\ttechnode = 22;", "\t/*\n\ttechnode = 7;\n\t*/\n\ttechnode = 22;")
    lines = text.splitlines(keepends=True)
    assert "22" in lines[find_unconditional(lines, "technode")]


def test_a_name_without_unconditional_assignment_stops_the_build():
    text = PARAM.replace("\tlevelOutput = 32;", "\tif (x) {\n\tlevelOutput = 32;\n\t}")
    with pytest.raises(UpstreamChanged, match="levelOutput"):
        patch_param_cpp(text, {"levelOutput": 64}, where="Param.cpp (commit abc)")


def test_only_numbers_and_booleans_are_written():
    with pytest.raises(TypeError):
        format_value("technode", '22; system("rm -rf /")')
    with pytest.raises(TypeError):
        format_value("SARADC", "true")
    with pytest.raises(ValueError):
        format_value("clkFreq", float("nan"))
    assert format_value("clkFreq", 2e9) == "2000000000.0"
    assert format_value("pipeline", False) == "false"


def test_a_product_upstream_wrote_counts_as_its_value():
    # resistanceOff = 100e3*17 is already 1.7e6: no change, no diff line
    assert patch_param_cpp(PARAM, {"resistanceOff": 1.7e6}) == PARAM
    assert "resistanceOff = 2000000.0;" in patch_param_cpp(PARAM, {"resistanceOff": 2e6})
