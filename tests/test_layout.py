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
        if "==" in dep:  # snakemake itself is a range, and not in the rules' environment
            name, version = dep.split("==")
            pins[name] = version
    env = yaml.safe_load((PROJECT / "workflow/envs/workflow.yaml").read_text())["dependencies"]
    conda = dict(re.split(r"\s*=\s*", d.strip(), maxsplit=1) for d in env if isinstance(d, str) and "=" in d)
    conda["matplotlib"] = conda.pop("matplotlib-base")  # conda-forge's name for the same package
    for name in ("pandas", "seaborn", "matplotlib", "pyyaml", "optuna", "pygments"):
        assert conda[name] == pins[name], name


def _project_imports(path) -> set[str]:
    """The package modules a file imports (at the top or inside functions)."""
    import ast

    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and (node.level == 1 or (node.module or "").startswith("noisyneurosim")):
            parts = (node.module or "").split(".")
            inner = parts[1:] if parts[0] == "noisyneurosim" else parts
            found |= {inner[0]} if inner and inner[0] else {a.name for a in node.names}
    return {m for m in found if (PROJECT / f"src/noisyneurosim/{m}.py").is_file()}


def test_code_that_runs_under_neurosims_python_is_linted_for_it():
    """Rules with NeuroSim's environment run their scripts, and what those import, under its Python 3.10."""
    import re
    import tomllib

    scripts = set()
    for rules in (PROJECT / "workflow/rules").glob("*.smk"):
        for body in re.split(r"\n(?=rule |use rule |checkpoint )", rules.read_text()):
            script = re.search(r'script:\s*"\.\./scripts/(\w+\.py)"', body)
            if "NEUROSIM_CONDA" in body and script:
                scripts.add(f"workflow/scripts/{script.group(1)}")
    assert scripts, "no rule runs under NeuroSim's environment: the search is broken"
    files = {*scripts, "workflow/scripts/_adapter.py", "src/noisyneurosim/__init__.py"}
    todo = set().union(*(_project_imports(PROJECT / f) for f in files))
    while todo:
        module = todo.pop()
        path = f"src/noisyneurosim/{module}.py"
        if path not in files:
            files.add(path)
            todo |= _project_imports(PROJECT / path)
    targets = tomllib.loads((PROJECT / "pyproject.toml").read_text())["tool"]["ruff"]["per-file-target-version"]
    assert sorted(f for f in files if targets.get(f) != "py310") == []
    assert "src/noisyneurosim/neurosim.py" in files  # the search found the imports


def test_each_slurm_profiles_partition_config_holds_the_partitions_and_gpus_it_asks_for():
    """slurm-partition-config (plugin 2.x) as the plugin reads it: every partition and GPU model the profile
    names, so that a job naming no partition is placed on one where the profile's own jobs run."""
    import yaml
    from snakemake_executor_plugin_slurm.partitions import read_partition_file

    for name in ("slurm", "slurm-c23g"):
        folder = PROJECT / "profiles" / name
        profile = yaml.safe_load((folder / "config.yaml").read_text())
        partitions = {p.name: p.limits for p in read_partition_file(folder / profile["slurm-partition-config"])}
        asked = [profile["default-resources"], *profile["set-resources"].values()]
        assert {r["slurm_partition"] for r in asked if "slurm_partition" in r} == set(partitions), name
        for request in asked:
            if request.get("gpu"):
                limits = partitions[request["slurm_partition"]]
                assert request["gpu_model"] in limits.available_gpu_models and limits.max_gpu >= request["gpu"], name
            elif "slurm_partition" in request:
                assert partitions[request["slurm_partition"]].max_gpu == 0, name


def test_the_catalog_finds_the_workflow_its_test_data_licence_and_usage():
    """What the Snakemake workflow catalog and snakedeploy look for (README: use it as a module)."""
    import yaml

    assert "include:" in (PROJECT / "Snakefile").read_text() and (PROJECT / "workflow/Snakefile").is_file()
    assert (PROJECT / "LICENSE").read_text().startswith("MIT License")
    usage = yaml.safe_load((PROJECT / ".snakemake-workflow-catalog.yml").read_text())["usage"]
    assert usage["report"] is True and usage["software-stack-deployment"]["conda"] is True
    # .test/: `snakemake -s workflow/Snakefile -d .test` reads its config/sweep.yaml, which runs the stand-in
    test_config = yaml.safe_load((PROJECT / ".test/config/sweep.yaml").read_text())
    assert (PROJECT / ".test" / test_config["neurosim"]["path"]).resolve() == PROJECT / "tests/standin/neurosim"


def test_one_machine_installs_no_slurm_plugin_and_the_cluster_the_tested_one():
    """Snakemake imports every installed executor plugin at start; the Slurm plugin then asks `scontrol show config`,
    about 9 s where no controller answers: `pip install -e .` (one machine) leaves it out, `.[slurm]` brings it."""
    import tomllib

    project = tomllib.loads((PROJECT / "pyproject.toml").read_text())["project"]
    plugin = [d for d in project["optional-dependencies"]["slurm"] if d.startswith("snakemake-executor-plugin-slurm")]
    assert not [d for d in project["dependencies"] if d.startswith("snakemake-executor-plugin-slurm")]
    assert len(plugin) == 1 and plugin[0] in project["optional-dependencies"]["test"]  # the version CI tests
    for profile in ("slurm", "slurm-c23g"):
        assert "pip install -e '.[slurm]'" in (PROJECT / "profiles" / profile / "config.yaml").read_text()


def test_the_snakefile_asks_for_the_snakemake_pyproject_promises():
    """min_version in workflow/Snakefile is the floor of pyproject's snakemake range (the lowest CI runs)."""
    import re
    import tomllib

    deps = tomllib.loads((PROJECT / "pyproject.toml").read_text())["project"]["dependencies"]
    floor = next(re.search(r"snakemake>=([0-9.]+)", d).group(1) for d in deps if d.startswith("snakemake>="))
    assert f'min_version("{floor}")' in (PROJECT / "workflow/Snakefile").read_text()


MAX_FUNCTION_LINES = 80
MAX_IMPORT_CHAIN = 11  # modules, the first importing the second ... (issue #30: it was 15)


def test_no_function_is_longer_than_a_screenful():
    import ast

    long = []
    for folder in ("src", "workflow/scripts", "benchmarks"):
        for path in sorted((PROJECT / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    lines = node.end_lineno - node.lineno + 1
                    if lines > MAX_FUNCTION_LINES:
                        long.append(f"{path.relative_to(PROJECT)}:{node.lineno} {node.name} ({lines} lines)")
    assert long == []


def module_imports() -> dict[str, set[str]]:
    """Each module of the package and the package's modules it imports when it is imported (module level,
    also under if/try; not under `if TYPE_CHECKING:`, which never runs)."""
    import ast

    src = PROJECT / "src"
    names = {}
    for path in (src / "noisyneurosim").rglob("*.py"):
        parts = path.relative_to(src).with_suffix("").parts
        names[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path

    def runs(statements):
        for node in statements:
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                continue
            if isinstance(node, ast.If | ast.Try):
                yield from runs(
                    [*node.body, *node.orelse, *getattr(node, "handlers", []), *getattr(node, "finalbody", [])]
                )
            elif isinstance(node, ast.ExceptHandler):
                yield from runs(node.body)
            else:
                yield node

    graph = {}
    for name, path in names.items():
        package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        imported = set()
        for node in runs(ast.parse(path.read_text()).body):
            if isinstance(node, ast.Import):
                imported |= {a.name for a in node.names if a.name in names}
            elif isinstance(node, ast.ImportFrom):
                base = package[: len(package) - node.level + 1] if node.level else []
                module = ".".join([*base, *([node.module] if node.module else [])])
                for alias in node.names:
                    target = f"{module}.{alias.name}"
                    imported.add(target if target in names else module)
        graph[name] = (imported & set(names)) - {name}
    return graph


def longest_chain(graph: dict[str, set[str]]) -> list[str]:
    def longest_from(name, seen):
        best = [name]
        for other in graph[name] - seen:
            chain = [name, *longest_from(other, seen | {other})]
            best = chain if len(chain) > len(best) else best
        return best

    return max((longest_from(name, {name}) for name in sorted(graph)), key=len)


def test_the_import_chains_stay_short():
    """A module deep in a long chain stands on everything below it: the config and search layers must not
    import the Snakemake adapter for a constant (issue #30)."""
    chain = longest_chain(module_imports())
    assert len(chain) <= MAX_IMPORT_CHAIN, " -> ".join(chain)


def test_the_import_chain_measure_sees_a_chain():
    graph = module_imports()
    assert "noisyneurosim.knobs" in graph["noisyneurosim.config"]  # from .knobs import ...
    assert "noisyneurosim.paths" in graph["noisyneurosim.reruns"]  # from . import paths
    assert "noisyneurosim.plots.style" in graph["noisyneurosim.plots.layout"]  # relative, in a subpackage
    assert len(longest_chain({"a": {"b"}, "b": {"c", "a"}, "c": set()})) == 3
