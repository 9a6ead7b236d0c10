"""Fixtures: a stand-in NeuroSim git repository and a workflow runner."""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from runner import PROJECT, snakemake_command

SHARED = PROJECT.parent / "shared" / "neurosim"

sys.path.insert(0, str(PROJECT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent / "standin"))
from standin_repo import STANDIN, git, make_standin  # noqa: E402

# what the test modules take from here
__all__ = ["PROJECT", "SHARED", "STANDIN", "Workflow", "base_config", "git", "make_standin"]


@pytest.fixture(scope="session")
def no_slurm_config_probe(tmp_path_factory) -> Path:
    """A folder with an `scontrol` that answers at once with an error. Snakemake imports every installed
    executor plugin at start, and the Slurm plugin asks `scontrol show config` then whenever `sinfo`
    exists: about 9 s per start where Slurm's client tools are installed but no controller runs."""
    folder = tmp_path_factory.mktemp("no-slurm")
    probe = folder / "scontrol"
    probe.write_text("#!/bin/sh\necho 'scontrol: not used by tests that need no Slurm' >&2\nexit 1\n")
    probe.chmod(0o755)
    return folder


@pytest.fixture(autouse=True)
def snakemake_starts_without_slurm(request, monkeypatch, no_slurm_config_probe):
    """Tests that need no Slurm never wait for it; the Slurm tests (marker `slurm`) see the real tools."""
    if "slurm" not in request.node.keywords:
        monkeypatch.setenv("PATH", f"{no_slurm_config_probe}{os.pathsep}{os.environ['PATH']}")


@pytest.fixture(scope="session")
def standin(tmp_path_factory) -> tuple[Path, str]:
    return make_standin(tmp_path_factory.mktemp("standin") / "DNN_NeuroSim_V1.4")


@pytest.fixture(scope="session")
def shared_samples() -> Path:
    """The real NeuroSim outputs beside the project; CI sets NNS_REQUIRE_SHARED=1, so there they must exist."""
    samples = SHARED / "samples"
    if not samples.is_dir():
        if os.environ.get("NNS_REQUIRE_SHARED") == "1":
            pytest.fail(f"{samples} is absent, and NNS_REQUIRE_SHARED=1 says it must be there")
        pytest.skip("../shared/neurosim/samples is absent")
    return samples


def base_config(standin: tuple[Path, str], workdir: Path) -> dict:
    path, commit = standin
    return {
        "neurosim": {"path": str(path), "commit": commit},
        "python": {"command": sys.executable},
        "datasets": {"root": str(workdir / "datasets"), "download": True},
        "max_test_images": 50,
        "defaults": {"model": "VGG8", "inference": 1, "batch_size": 10},
        "studies": {},
    }


class Workflow:
    """One workflow folder with its own config, run by the snakemake CLI. `from_inside`: run from the
    folder with the config named relative to it, as a user does, so that a copy of the folder is as
    finished as the original (the config's name is part of what Snakemake recorded)."""

    def __init__(self, workdir: Path, config: dict, from_inside: bool = False):
        self.workdir = workdir
        self.config = config
        self.config_path = workdir / "sweep.yaml"
        self.from_inside = from_inside

    def write(self):
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.config_path.write_text(yaml.safe_dump(self.config, sort_keys=False))

    def command(self, *extra: str, cores: int | None = 2) -> list[str]:
        self.write()
        config = Path(self.config_path.name) if self.from_inside else self.config_path
        return snakemake_command(self.workdir, *extra, configfile=config, cores=cores)

    def run(self, *extra: str, timeout: float = 600, check: bool = True, env: dict | None = None):
        environ = {**os.environ, **(env or {})}
        cwd = self.workdir if self.from_inside else None
        proc = subprocess.run(
            self.command(*extra), capture_output=True, text=True, timeout=timeout, env=environ, cwd=cwd
        )
        if check and proc.returncode != 0:
            raise AssertionError(f"snakemake failed ({proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-8000:]}")
        return proc

    def runs(self):
        import pandas as pd

        return pd.read_csv(self.workdir / "results" / "runs.csv")

    def layers(self):
        import pandas as pd

        return pd.read_csv(self.workdir / "results" / "layers.csv")


@pytest.fixture
def make_workflow(standin, tmp_path):
    def factory(studies: dict, **overrides) -> Workflow:
        workdir = tmp_path / "wf"
        config = base_config(standin, workdir)
        config["studies"] = studies
        for key, value in overrides.items():
            if isinstance(value, dict) and isinstance(config.get(key), dict):
                config[key] = {**config[key], **value}
            else:
                config[key] = value
        return Workflow(workdir, config)

    return factory


@pytest.fixture(scope="session")
def finished_sweeps(standin, tmp_path_factory):
    """Finished stand-in sweeps, each run once per test process: `finished_copy` hands out copies."""
    done: dict[str, Path] = {}

    def folder(studies: dict) -> Path:
        key = json.dumps(studies, sort_keys=True)
        if key not in done:
            workdir = tmp_path_factory.mktemp("finished") / "wf"
            config = base_config(standin, workdir)
            config["studies"] = copy.deepcopy(studies)
            Workflow(workdir, config, from_inside=True).run()
            done[key] = workdir
        return done[key]

    return folder


@pytest.fixture
def finished_copy(finished_sweeps, tmp_path):
    """A finished sweep of these studies in a folder of this test's own (a copy: change it at will). Its
    config keeps the original's datasets folder, which the tests only read."""

    def factory(studies: dict) -> Workflow:
        original = finished_sweeps(studies)
        workdir = tmp_path / "wf"
        shutil.copytree(original, workdir, symlinks=True)
        config = yaml.safe_load((original / "sweep.yaml").read_text())
        return Workflow(workdir, config, from_inside=True)

    return factory


def pytest_collection_modifyitems(config, items):
    """With pytest-xdist (`-n`), the tests that share one Slurm cluster or one browser run on one worker,
    one after another; the others spread over the cores."""
    for item in items:
        if "slurm" in item.keywords or "browser" in item.keywords:
            item.add_marker(pytest.mark.xdist_group("shared-service"))
