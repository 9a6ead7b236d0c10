"""A sweep is called complete only when that is proven: every verdict compares the config's points with
checksummed result files, tables are rebuilt from them, and nothing is removed from under a running
workflow (issue 28)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pandas as pd
import pytest
from conftest import base_config
from runner import ran

from noisyneurosim import config as cfg
from noisyneurosim import integrity
from noisyneurosim.files import atomic_write, write_json

STUDY = {"s": {"grid": {"vari": [0.0, 0.1], "technode": [22, 32]}, "seeds": [5]}}


def cli(wf, *args):
    return subprocess.run(
        [sys.executable, "-m", "noisyneurosim", *args, str(wf.config_path), "--directory", str(wf.workdir)],
        capture_output=True,
        text=True,
    )


@pytest.fixture
def finished(finished_copy):
    return finished_copy(STUDY)


def keep_mtime(path, change):
    stamp = path.stat()
    change()
    os.utime(path, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))


def test_traces_cut_off_or_of_another_run_are_named_before_any_job_and_retried(finished):
    """Cases 1 and 2: a truncated archive and another run's valid archive, each with its old mtime, then a
    hardware value added: named before any job, no estimate deleted, and `retry` redoes the inference."""
    wf = finished
    cut, foreign = sorted((wf.workdir / "results/inference").glob("*/traces.tar.gz"))
    other = foreign.read_bytes()
    keep_mtime(foreign, lambda: foreign.write_bytes(cut.read_bytes()))  # a whole archive, of the other run
    keep_mtime(cut, lambda: cut.write_bytes(other[: len(other) // 2]))
    estimates = sorted((wf.workdir / "results/estimates").glob("*/*.json"))
    wf.config["studies"]["s"]["grid"]["technode"] = [22, 32, 45]
    proc = wf.run(check=False)
    assert proc.returncode != 0 and ran(proc, "run_estimate") == 0
    assert "2 result file(s) are damaged" in proc.stderr
    for archive in (cut, foreign):
        assert f"{archive.relative_to(wf.workdir)}: not the archive its inference job wrote" in proc.stderr
    assert "python -m noisyneurosim retry" in proc.stderr and "GPU hours" in proc.stderr
    assert all(e.is_file() for e in estimates)  # nothing lost
    status = cli(wf, "status")
    assert status.returncode == 1 and f"damaged: {cut.relative_to(wf.workdir)}" in status.stdout
    retry = cli(wf, "retry")
    assert retry.returncode == 0 and str(cut.relative_to(wf.workdir)) in retry.stdout
    proc = wf.run()
    assert ran(proc, "run_inference") == 2 and "all 6 points complete" in proc.stderr
    assert set(wf.runs()["status"]) == {"ok"}


def test_the_verdict_and_the_tables_come_from_the_result_files(finished):
    """Cases 3 and 4: runs.csv with a row removed and a value edited, summary.md edited, Snakemake's metadata
    deleted, and a hardware value added: the run computes the new points, rebuilds the tables from the result
    files, and the end-of-run line and `status` agree."""
    wf = finished
    runs_csv = wf.workdir / "results/runs.csv"
    truth = wf.runs()
    lines = runs_csv.read_text().splitlines(keepends=True)
    edited = lines[1].replace(str(truth["accuracy"].iloc[0]), "0.999", 1)
    runs_csv.write_text(lines[0] + edited + "".join(lines[3:]))  # row 2 removed, row 1 edited
    summary = wf.workdir / "results/summary.md"
    summary.write_text(summary.read_text() + "\nBest setting: mine.\n")
    assert cli(wf, "status").returncode == 0  # the results are whole: status says so, whatever runs.csv says
    shutil.rmtree(wf.workdir / ".snakemake")
    wf.config["studies"]["s"]["grid"]["technode"] = [22, 32, 45]
    wf.write()
    status = cli(wf, "status")
    assert status.returncode == 1 and "2 of 6 points are missing" in status.stdout
    proc = wf.run()
    assert "results/runs.csv is rebuilt from the result files" in proc.stderr
    assert "results/summary.md is rebuilt from the result files: changed after its job wrote it" in proc.stderr
    assert "Best setting: mine." not in summary.read_text()
    assert ran(proc, "run_estimate") == 2 and ran(proc, "run_inference") == 0
    assert "all 6 points complete" in proc.stderr
    runs = wf.runs()
    assert len(runs) == 6 and set(runs["status"]) == {"ok"} and 0.999 not in set(runs["accuracy"])
    assert set(truth["point_id"]) < set(runs["point_id"])
    status = cli(wf, "status")
    assert status.returncode == 0 and "all 6 points complete" in status.stdout


def test_a_point_whose_result_is_damaged_is_not_counted_complete(finished):
    """An edited estimate is its point's result: that point is not among the complete ones, its neighbours
    are; a damaged traces archive spoils no point (what was computed from it stands)."""
    wf = finished
    estimate = sorted((wf.workdir / "results/estimates").glob("*/*.json"))[0]
    edited = json.loads(estimate.read_text()) | {"status": "ok", "edited by hand": True}
    keep_mtime(estimate, lambda: estimate.write_text(json.dumps(edited)))
    status = cli(wf, "status")
    assert status.returncode == 1 and f"damaged: {estimate.relative_to(wf.workdir)}" in status.stdout
    assert "3 points are complete" in status.stdout, status.stdout
    archive = sorted((wf.workdir / "results/inference").glob("*/traces.tar.gz"))[0]
    estimate.unlink()
    cli(wf, "retry")  # nothing left damaged: the estimate is computed again
    assert wf.run().returncode == 0
    keep_mtime(archive, lambda: archive.write_bytes(archive.read_bytes()[:100]))
    status = cli(wf, "status")
    assert status.returncode == 1 and "4 points are complete" in status.stdout, status.stdout


def test_status_exits_non_zero_while_a_point_is_missing(finished):
    wf = finished
    assert cli(wf, "status").returncode == 0
    next((wf.workdir / "results/estimates").glob("*/*.json")).unlink()
    status = cli(wf, "status")
    assert status.returncode == 1 and "1 of 4 points are missing" in status.stdout


def test_a_cut_search_wave_record_is_named_and_retry_proposes_it_again(standin, tmp_path):
    """Case 5: a wave record cut in half is named (not a crash naming no file); `retry` removes it with the
    waves after it and the search's tables, so that the next run proposes them again."""
    search = {"space": {"vari": [0.0, 0.1]}, "objectives": {"accuracy": "max"}, "budget": {"points": 4}}
    sweep = cfg.check({**base_config(standin, tmp_path), "studies": {"f": {"search": search}}}, source="sweep.yaml")
    waves = tmp_path / "results/search/f/waves"
    for wave in range(3):
        write_json(waves / f"{wave}.json", {"wave": wave, "settings": [], "stop": wave == 2})
    atomic_write(tmp_path / "results/search/f/trials.csv", "wave\n")
    whole = (waves / "1.json").read_text()
    (waves / "1.json").write_text(whole[: len(whole) // 2])
    found = integrity.damaged(sweep, tmp_path)
    assert [name for name, _ in found] == ["results/search/f/waves/1.json"] and "not JSON" in found[0][1]
    removed = integrity.retry_plan(sweep, None, tmp_path)
    assert removed == ["results/search/f/waves/1.json", "results/search/f/waves/2.json", "results/search/f/trials.csv"]


def test_a_searchs_tables_beside_its_front_figure_carry_a_checksum(standin, tmp_path):
    """trials.csv, front.csv, hypervolume.csv and the search's summary: a hand edit is named as a table's, so
    that the run makes them again from the wave records."""
    from noisyneurosim.files import write_checked

    search = {"space": {"vari": [0.0, 0.1]}, "objectives": {"accuracy": "max"}, "budget": {"points": 4}}
    sweep = cfg.check({**base_config(standin, tmp_path), "studies": {"f": {"search": search}}}, source="sweep.yaml")
    front = tmp_path / "results/search/f/front.csv"
    write_checked(front, "vari,accuracy\n0.0,0.9\n")
    assert integrity.stale_tables(sweep, tmp_path) == []
    front.write_text("vari,accuracy\n0.0,0.95\n")
    assert integrity.stale_tables(sweep, tmp_path) == [("results/search/f/front.csv", "changed after its job wrote it")]


def test_a_result_copied_from_another_place_or_edited_is_damaged(tmp_path):
    one, two = tmp_path / "results/estimates/a1/h1.json", tmp_path / "results/estimates/a1/h2.json"
    write_json(one, {"status": "ok", "chip": {"tops_per_w": 7.5}})
    assert integrity.problem_of(one) is None
    shutil.copy(one, two)
    assert "checksum" in integrity.problem_of(two)
    one.write_text(one.read_text().replace("7.5", "8.5"))
    assert "checksum" in integrity.problem_of(one)


def test_free_traces_and_retry_refuse_while_a_run_holds_the_folder(finished):
    """Case 7: with Snakemake's lock held, nothing is removed from under the run, and the way out is said."""
    wf = finished
    locks = wf.workdir / ".snakemake/locks"
    locks.mkdir(parents=True, exist_ok=True)
    (locks / "0.input.lock").write_text("results/runs.csv\n")
    archives = sorted((wf.workdir / "results/inference").glob("*/traces.tar.gz"))
    for command in ("free-traces", "retry"):
        proc = cli(wf, command)
        assert proc.returncode == 3 and "a Snakemake run holds" in proc.stderr and "--unlock" in proc.stderr
    assert all(a.is_file() for a in archives)
    shutil.rmtree(locks)
    assert cli(wf, "free-traces").returncode == 0 and not any(a.is_file() for a in archives)


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_written_files_honour_the_umask_as_open_does(tmp_path, umask):
    """Case 10: tables on a shared project folder are readable by whom the umask allows, as a PNG is."""
    old = os.umask(umask)
    try:
        atomic_write(tmp_path / "table.csv", "a\n")
        with open(tmp_path / "figure.png", "w") as fh:
            fh.write("x")
    finally:
        os.umask(old)
    assert (tmp_path / "table.csv").stat().st_mode & 0o777 == (tmp_path / "figure.png").stat().st_mode & 0o777
    assert (tmp_path / "table.csv").stat().st_mode & 0o777 == 0o666 & ~umask


def test_an_interval_is_about_the_whole_test_set_and_one_definition_serves_every_table(finished):
    """Case 12: the sweep evaluates 50 of the test set's images (max_test_images); runs.csv gave that zero
    width, summary.csv another interval for the same single-seed point."""
    wf = finished
    runs = wf.runs()
    assert (runs["accuracy_total"] == 50).all()
    assert ((runs["accuracy_low"] < runs["accuracy"]) & (runs["accuracy"] < runs["accuracy_high"])).all()
    summary = pd.read_csv(wf.workdir / "results/summary.csv")
    for _, setting in summary.iterrows():
        row = runs[(runs["vari"] == setting["vari"]) & (runs["technode"] == setting["technode"])].iloc[0]
        assert setting["accuracy_ci95_low"] == pytest.approx(row["accuracy_low"])
        assert setting["accuracy_ci95_high"] == pytest.approx(row["accuracy_high"])


def test_the_interval_of_a_subset_is_not_the_test_sets_accuracy():
    from noisyneurosim.precision import Split, decide, pool, wilson

    parts = [{"status": "ok", "part": 0, "correct": 2, "total": 16}]
    pooled = pool(parts, Split(), 16, test_set=10000)
    assert pooled["accuracy_low"] < 0.125 < pooled["accuracy_high"]
    assert (pooled["accuracy_low"], pooled["accuracy_high"]) == pytest.approx(wilson(2, 16), abs=2e-3)
    whole = decide([{"status": "ok", "correct": 9000, "total": 10000}], Split(), 10000, 10000)
    assert whole["low"] == whole["high"] == 0.9  # every image of the test set: nothing uncertain left


def test_a_full_disk_is_named_and_counted(finished, monkeypatch, capsys):
    """Case 8: jobs that died writing to a full disk left no reason; `status` names the file system and
    exits non-zero, and NeuroSim's own "No space left on device" is a failure a retry may mend."""
    import shutil as shell

    from noisyneurosim import cli
    from noisyneurosim.failures import explain

    wf = finished
    args = ["status", str(wf.config_path), "--directory", str(wf.workdir)]
    assert cli.main(args) == 0
    monkeypatch.setattr(shell, "disk_usage", lambda folder: shell._ntuple_diskusage(10**9, 10**9, 0))
    assert cli.main(args) == 1 and "no space left on /" in capsys.readouterr().out
    reason = explain("inference: OSError: [Errno 28] No space left on device", {})
    assert "the disk holding the results" in reason and integrity.retryable(reason)


def test_a_late_attempt_of_an_earlier_run_publishes_nothing(tmp_path):
    """Case 6: Snakemake killed hard, its inference job lives on; the next run starts the same job again.
    The late attempt of the earlier run must not overwrite the newer result or traces when it ends."""
    from noisyneurosim.files import read_json
    from noisyneurosim.neurosim import pack_traces
    from noisyneurosim.ownership import Superseded, claim, still_owned

    result = tmp_path / "results/inference/a1/parts/0.json"
    traces = tmp_path / "results/inference/a1/traces.tar.gz"
    orphan = still_owned(result, claim(result))  # the job of the killed run, still running
    again = still_owned(result, claim(result))  # the same job, started by the next run
    write_json(result, {"status": "ok", "correct": 31}, before_publish=again)
    pack_traces(tmp_path, "VGG8", traces, before_publish=again)
    newer = traces.read_bytes()
    with pytest.raises(Superseded, match="a later attempt of this job owns it now"):
        pack_traces(tmp_path / "elsewhere", "VGG8", traces, before_publish=orphan)
    with pytest.raises(Superseded):
        write_json(result, {"status": "failed", "reason": "killed"}, before_publish=orphan)
    assert read_json(result)["correct"] == 31 and traces.read_bytes() == newer
    assert sorted(p.name for p in result.parent.iterdir()) == [".0.json.owner", "0.json"]  # nothing half-made


def test_a_changed_checkpoint_is_named_and_retry_copies_it_again(standin, tmp_path):
    """A trained checkpoint is a result too: its checksum is in the training run's record."""
    from noisyneurosim import paths
    from noisyneurosim.files import file_checksum

    config = {**base_config(standin, tmp_path), "studies": {"t": {"train": {"epochs": 2}, "grid": {"vari": [0.0]}}}}
    sweep = cfg.check(config, source="sweep.yaml")
    (train,) = {p.train_id for p in sweep.points}
    best = tmp_path / paths.TRAINING.format(train=train) / "best.pth"
    best.parent.mkdir(parents=True)
    best.write_bytes(b"weights")
    record = {"status": "ok", "checkpoints": {"best": str(best)}, "checkpoint_sha256": {"best": file_checksum(best)}}
    write_json(tmp_path / paths.TRAINING_RECORD.format(train=train), record)
    assert integrity.damaged(sweep, tmp_path) == []
    best.write_bytes(b"other weights")
    name = f"{paths.TRAINING.format(train=train)}/best.pth"
    assert integrity.damaged(sweep, tmp_path) == [(name, "not the checkpoint its training wrote (checksum)")]
    assert integrity.retry_plan(sweep, None, tmp_path) == [name, paths.TRAINING_RECORD.format(train=train)]


def test_a_changed_figure_table_is_named_and_drawn_again_and_a_local_run_never_asks_slurm(finished, tmp_path):
    """The numbers beside each figure (`<figure>.csv`) carry a checksum as the tables do: a hand edit is named
    when the run starts and the study's figures are drawn again; no result is computed again. The run is local: it never
    asks Slurm for jobs of an earlier run (squeue may wait seconds where no controller answers)."""
    wf = finished
    tables = sorted((wf.workdir / "results/plots/s").glob("*/*.csv"))
    assert tables and all((t.parent / f".{t.name}.sha256").is_file() for t in tables)
    edited = tables[0]
    truth = edited.read_text()
    edited.write_text(truth.replace(",", ";", 1))
    name = edited.relative_to(wf.workdir / "results/plots/s")
    sweep = cfg.load(wf.config_path)
    assert integrity.figure_table_problems(sweep, wf.workdir) == [
        ("results/plots/s", f"figure table {name}: changed after its job wrote it")
    ]
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "squeue").write_text(f"#!/bin/sh\ntouch {tmp_path}/squeue-asked\nsleep 30\n")
    (fake / "squeue").chmod(0o755)
    proc = wf.run(env={"PATH": f"{fake}{os.pathsep}{os.environ['PATH']}"})
    assert f"results/plots/s is rebuilt from the result files: figure table {name}" in proc.stderr
    assert ran(proc, "plot_study") == 1 and ran(proc, "run_estimate") == ran(proc, "run_inference") == 0
    assert edited.read_text() == truth and integrity.figure_table_problems(sweep, wf.workdir) == []
    assert not (tmp_path / "squeue-asked").exists()
