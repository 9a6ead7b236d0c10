"""NeuroSim as its maintainers ship it: a branch's pinned commit fetched alone, and two versions compared
point by point (shared inference where the Python side is the same, builds and estimates per version)."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from conftest import Workflow, base_config
from runner import ran
from standin_repo import MAINTAINED_BRANCH, add_maintained_version, git, make_standin

from noisyneurosim.fetch import FetchError, fetch
from noisyneurosim.versions import Version, python_fingerprint


@pytest.fixture(scope="module")
def two_versions(tmp_path_factory):
    """A stand-in repository with the original commit on its first branch and a maintained one on another,
    beside a branch of unrelated large files (what a fetch of one commit must not bring)."""
    repo, original = make_standin(tmp_path_factory.mktemp("versions") / "NeuroSim")
    maintained = add_maintained_version(repo)
    git("checkout", "-q", "-b", "unrelated", cwd=repo)
    (repo / "big.bin").write_bytes(bytes(range(256)) * 4096)
    git("add", "big.bin", cwd=repo)
    git("commit", "-q", "-m", "an unrelated branch with a large file", cwd=repo)
    big_blob = git("rev-parse", "HEAD:big.bin", cwd=repo)
    git("checkout", "-q", "-", cwd=repo)
    return repo, original, maintained, big_blob


def test_fetch_brings_the_pinned_commit_of_a_branch_and_nothing_else(two_versions, tmp_path):
    repo, original, maintained, big_blob = two_versions
    head = fetch(
        tmp_path / "resources/neurosim/x", repo=None, path=str(repo), commit=maintained, branch=MAINTAINED_BRANCH
    )
    assert head == maintained
    checkout = tmp_path / "resources/neurosim/x/checkout"
    assert git("rev-parse", "HEAD", cwd=checkout) == maintained
    assert "0.12 : 0.05" in (checkout / "Inference_pytorch/NeuroSIM/Chip.cpp").read_text()
    # one commit, no history and no other branch's objects, in the cache and in the checkout
    for where in (tmp_path / "resources/neurosim/git", checkout):
        assert git("rev-list", "--all", "--count", cwd=where) in ("1", "2")  # the ref and FETCH_HEAD's commit
        assert subprocess.run(["git", "cat-file", "-e", big_blob], cwd=where, capture_output=True).returncode != 0
        assert subprocess.run(["git", "cat-file", "-e", original], cwd=where, capture_output=True).returncode != 0


def test_a_commit_the_repository_lacks_is_named_with_the_branch(two_versions, tmp_path):
    repo, *_ = two_versions
    with pytest.raises(FetchError) as err:
        fetch(tmp_path / "out", repo=None, path=str(repo), commit="b" * 40, branch=MAINTAINED_BRANCH)
    assert "b" * 40 in str(err.value) and "neurosim.branch" in str(err.value)


def test_the_python_side_is_the_same_across_line_endings_and_differs_with_its_content(two_versions, tmp_path):
    repo, original, maintained, _ = two_versions
    old, new = (python_fingerprint(Version(c[:7], c, path=str(repo)), tmp_path) for c in (original, maintained))
    assert old == new  # every Python file CRLF in one, LF in the other; the C++ change is not on this side
    plain = tmp_path / "plain"
    shutil.copytree(repo, plain, ignore=shutil.ignore_patterns(".git"))
    inference = plain / "Inference_pytorch/inference.py"
    assert python_fingerprint(Version("plain", "local", path=str(plain)), tmp_path) == old
    inference.write_text(inference.read_text() + "\n# a group's change\n")
    assert python_fingerprint(Version("plain", "local", path=str(plain)), tmp_path) != old


def compare_config(repo, original, maintained, workdir) -> dict:
    config = base_config((repo, maintained), workdir)
    config["neurosim"].update(branch=MAINTAINED_BRANCH, label="maintained")
    config["neurosim_versions"] = {"standalone": {"path": str(repo), "commit": original}}
    config["studies"] = {
        "cmp": {"grid": {"ADCprecision": [4, 6]}, "seeds": [1], "neurosim_versions": ["maintained", "standalone"]}
    }
    return config


def test_two_versions_share_each_inference_and_differ_point_by_point(two_versions, tmp_path):
    repo, original, maintained, _ = two_versions
    wf = Workflow(tmp_path / "wf", compare_config(repo, original, maintained, tmp_path / "wf"))
    proc = wf.run()
    # the Python sides are the same: one inference per accuracy setting feeds both versions
    assert ran(proc, "run_inference") == 2
    assert ran(proc, "fetch_neurosim") == 2 and ran(proc, "build_base") == 2
    assert ran(proc, "build_hardware") == 4 and ran(proc, "run_estimate") == 4
    runs = wf.runs()
    assert sorted(runs["neurosim_version"]) == ["maintained", "maintained", "standalone", "standalone"]
    assert set(runs["status"]) == {"ok"}
    # the reproducibility guard ran one estimate twice, on the reference's core: it speaks for that version only
    marks = dict(zip(runs["neurosim_version"], runs["reproducibility"], strict=False))
    assert marks == {"maintained": "identical", "standalone": "not checked"}
    commits = dict(zip(runs["neurosim_version"], runs["neurosim_commit"], strict=False))
    assert commits == {"maintained": maintained, "standalone": original}
    by = {(r.neurosim_version, r.ADCprecision): r for r in runs.itertuples()}
    for adc in (4, 6):
        new, old = by[("maintained", adc)], by[("standalone", adc)]
        assert new.accuracy == old.accuracy and new.acc_id == old.acc_id
        assert new.hw_id != old.hw_id
        assert new.cim_array_area_um2 == pytest.approx(old.cim_array_area_um2 * 0.12 / 0.3, rel=1e-4)
    # the table of relative differences: the standalone against the study's first version, per pair and metric
    import pandas as pd

    table = pd.read_csv(wf.workdir / "results/versions.csv")
    area = table[table["metric"] == "chip_area_um2"]
    assert (
        len(area) == 2 and set(area["reference_version"]) == {"maintained"} and set(area["version"]) == {"standalone"}
    )
    for r in area.itertuples():
        assert r.relative_difference == pytest.approx((r.value - r.reference_value) / r.reference_value)
        assert r.relative_difference > 0  # the standalone's cells are larger
    assert (table[table["metric"] == "accuracy"]["relative_difference"] == 0).all()
    figure = wf.workdir / "results/plots/cmp/versions"
    assert (figure / "relative_difference.png").is_file()
    assert len(pd.read_csv(figure / "relative_difference.csv")) == len(table)
    summary = (wf.workdir / "results/summary.md").read_text()
    assert (
        "NeuroSim versions compared: `maintained`, `standalone`" in summary and "| standalone | Chip area |" in summary
    )


def test_a_folder_finished_on_the_old_commit_reruns_nothing_and_a_new_version_only_builds_and_estimates(
    two_versions, tmp_path
):
    """Upgrading the workflow keeps a finished sweep; naming the maintained version beside it costs no GPU job."""
    repo, original, maintained, _ = two_versions
    workdir = tmp_path / "wf"
    config = base_config((repo, original), workdir)
    config["studies"] = {"s": {"grid": {"ADCprecision": [4, 6]}, "seeds": [1]}}
    wf = Workflow(workdir, config, from_inside=True)
    wf.run()
    before = wf.runs()
    # the same commit, now named by its branch and a label: nothing to do
    config["neurosim"].update(branch="master", label="standalone")
    again = wf.run("-n")
    for rule in ("run_inference", "fetch_neurosim", "build_base", "build_hardware", "run_estimate"):
        assert ran(again, rule) == 0, again.stderr[-3000:]
    # the maintained version beside it: its builds and estimates, the inference runs reused
    config["neurosim_versions"] = {"maintained": {"path": str(repo), "commit": maintained}}
    config["studies"]["s"]["neurosim_versions"] = ["standalone", "maintained"]
    proc = wf.run()
    assert ran(proc, "run_inference") == 0
    assert ran(proc, "build_hardware") == 2 and ran(proc, "run_estimate") == 2
    after = wf.runs()
    old = after[after["neurosim_version"] == "standalone"].sort_values("ADCprecision")
    assert list(old["point_id"]) == list(before.sort_values("ADCprecision")["point_id"])
    assert list(old["tops_per_w"]) == list(before.sort_values("ADCprecision")["tops_per_w"])


def test_a_reproducibility_record_of_another_pair_marks_no_point(two_versions, tmp_path):
    """A folder that once checked another point (no longer in the config) does not lend its verdict."""
    from noisyneurosim import aggregate
    from noisyneurosim.config import check
    from noisyneurosim.files import write_json

    repo, original, *_ = two_versions
    config = base_config((repo, original), tmp_path / "wf")
    config["studies"] = {"s": {"grid": {"ADCprecision": [4]}, "seeds": [1]}}
    sweep = check(config, source="sweep.yaml", base=tmp_path)
    ((model, (acc, hw)),) = sweep.reproducibility_pairs().items()
    record = {"model": model, "checked": True, "identical": True, "note": ""}
    path = tmp_path / "results/reproducibility" / f"{model}.json"
    path.parent.mkdir(parents=True)
    write_json(path, {**record, "acc_id": "a0000000000", "hw_id": hw})
    assert set(aggregate.reproducibility_marks(sweep, tmp_path).values()) == {
        ("not checked", "the check has not run yet")
    }
    write_json(path, {**record, "acc_id": acc, "hw_id": hw})
    assert set(aggregate.reproducibility_marks(sweep, tmp_path).values()) == {("identical", "")}
