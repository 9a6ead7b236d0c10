"""The module map the README promises: every module listed, and tables and figures free of process code."""

import subprocess
import sys

from conftest import PROJECT

README = (PROJECT / "docs" / "development.md").read_text()  # the module map lives there
MODULES = sorted(p.stem for p in (PROJECT / "src/noisyneurosim").glob("*.py") if not p.stem.startswith("_"))


def test_every_module_has_a_line_in_the_readme_layout():
    layout = README.split("## Layout", 1)[1].split("\n## ", 1)[0]
    missing = [m for m in MODULES if f"`{m}.py`" not in layout]
    assert not missing, f"docs/development.md's Layout lacks {missing}"


def test_tables_summaries_and_figures_import_no_process_git_or_build_code():
    probe = (
        "import sys; import noisyneurosim.aggregate, noisyneurosim.summary, noisyneurosim.plots; "
        "print(sorted(m for m in sys.modules if m in "
        "{'noisyneurosim.process', 'noisyneurosim.fetch', 'noisyneurosim.build', 'noisyneurosim.neurosim'}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(PROJECT / "src"), "PATH": "/usr/bin:/bin", "MPLBACKEND": "Agg"},
    )
    assert out.stdout.strip() == "[]", out.stdout


def test_the_claix_2023_profile_differs_from_the_default_only_in_partitions_gpu_and_software():
    import yaml

    default = yaml.safe_load((PROJECT / "profiles/slurm/config.yaml").read_text())
    c23 = yaml.safe_load((PROJECT / "profiles/slurm-c23g/config.yaml").read_text())

    def without_gpu_side(profile):
        p = {k: v for k, v in profile.items() if k != "software-deployment-method"}
        p["default-resources"] = {k: v for k, v in p["default-resources"].items() if k != "slurm_partition"}
        gpu_jobs = {}
        for rule in ("run_inference", "run_inference_part", "train_job"):
            gpu_jobs[rule] = {k: v for k, v in p["set-resources"][rule].items()}
            for key in ("slurm_partition", "gpu_model", "slurm_extra"):
                gpu_jobs[rule].pop(key)
        p["set-resources"] = {**p["set-resources"], **gpu_jobs}
        return p

    assert without_gpu_side(c23) == without_gpu_side(default)  # packing, limits, retries stay one story
    assert c23["default-resources"]["slurm_partition"] == "c23m"
    assert c23["set-resources"]["run_inference"]["slurm_partition"] == "c23g"
    assert c23["set-resources"]["run_inference"]["gpu_model"] == "h100"
    assert "h100:1" in c23["set-resources"]["run_inference"]["slurm_extra"]
    assert c23["software-deployment-method"] == "conda"  # CLAIX-2018's module names are not there


def test_the_conda_environment_pins_what_pyproject_pins():
    """workflow/envs/workflow.yaml repeats pyproject's versions for --software-deployment-method conda."""
    import re
    import tomllib

    import yaml

    pins = {}
    for dep in tomllib.loads((PROJECT / "pyproject.toml").read_text())["project"]["dependencies"]:
        name, version = dep.split("==")
        pins[name] = version
    env = yaml.safe_load((PROJECT / "workflow/envs/workflow.yaml").read_text())["dependencies"]
    conda = dict(re.split(r"\s*=\s*", d.strip(), maxsplit=1) for d in env if isinstance(d, str) and "=" in d)
    conda["matplotlib"] = conda.pop("matplotlib-base")  # conda-forge's name for the same package
    for name in ("pandas", "seaborn", "matplotlib", "pyyaml"):
        assert conda[name] == pins[name], name
