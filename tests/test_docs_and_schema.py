"""What the user reads stays true: config/README.md, the schema, the shipped configs."""

import re
import subprocess
import sys

import matplotlib.image
import pytest
import yaml
from conftest import PROJECT
from runner import run_snakemake

from noisyneurosim import schema
from noisyneurosim.config import DATASET_KEYS, NEUROSIM_KEYS, STUDY_KEYS, TOP_LEVEL_KEYS, load
from noisyneurosim.knobs import KNOBS
from noisyneurosim.study_keys import SEARCH_KEYS

CONFIG_README = (PROJECT / "config" / "README.md").read_text()


@pytest.mark.parametrize("name", sorted(KNOBS))
def test_every_knob_is_documented(name):
    assert f"| `{name}` |" in CONFIG_README


@pytest.mark.parametrize(
    "key",
    sorted(TOP_LEVEL_KEYS)
    + sorted(STUDY_KEYS)
    + [f"neurosim.{k}" for k in sorted(NEUROSIM_KEYS)]
    + [f"datasets.{k}" for k in sorted(DATASET_KEYS)],
)
def test_every_key_is_documented(key):
    assert f"`{key}" in CONFIG_README


@pytest.mark.parametrize("key", [*STUDY_KEYS.values(), *SEARCH_KEYS.values()], ids=lambda k: k.key)
def test_the_study_and_search_tables_are_the_catalogues_rows(key):
    """config/README.md's rows of a study's and a search's keys say what study_keys.py says (defaults, bounds)."""
    assert key.row() in CONFIG_README, f"config/README.md's row of {key.key} should read:\n{key.row()}"


def test_the_study_and_search_tables_list_no_key_the_catalogue_lacks():
    tables = CONFIG_README.split("## A study", 1)[1].split("## Training", 1)[0]
    rows = re.findall(r"^\| `([^`]+)` \|", tables, re.M)
    assert rows == [k.key for k in STUDY_KEYS.values()] + [k.key for k in SEARCH_KEYS.values()]


def test_schema_file_is_generated_from_the_catalogue():
    assert (PROJECT / "workflow/schemas/config.schema.yaml").read_text() == schema.as_yaml()


@pytest.mark.parametrize("name", ["sweep.yaml", "demo.yaml", "smoke.yaml", "standin.yaml"])
def test_shipped_configs_pass_checks_and_schema(name):
    import jsonschema

    sweep = load(PROJECT / "config" / name)
    jsonschema.validate(yaml.safe_load((PROJECT / "config" / name).read_text()), schema.build())
    assert sweep.points


def test_the_stand_in_config_draws_a_whole_report(tmp_path):
    """README: `snakemake --cores all --configfile config/standin.yaml`, then --report: no NeuroSim needed."""
    config = yaml.safe_load((PROJECT / "config" / "standin.yaml").read_text())
    config["neurosim"]["path"] = str(PROJECT / config["neurosim"]["path"])  # run in another folder
    path = tmp_path / "standin.yaml"
    path.write_text(yaml.safe_dump(config))
    proc = run_snakemake(tmp_path, configfile=path, cores=2)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "all 24 points complete" in proc.stderr
    proc = run_snakemake(tmp_path, "--report", str(tmp_path / "report.html"), configfile=path)
    assert proc.returncode == 0 and (tmp_path / "report.html").stat().st_size > 100_000
    # the README's figure is this run's, as today's code draws it
    drawn = tmp_path / "results/plots/standin/accuracy/accuracy_vs_vari.png"
    shown, now = (matplotlib.image.imread(p) for p in (PROJECT / "docs/example_accuracy_vs_vari.png", drawn))
    assert shown.shape == now.shape and abs(shown - now).max() < 0.05, f"redraw the README's figure: cp {drawn} docs/"


def test_default_study_is_the_promised_first_noise_study():
    sweep = load(PROJECT / "config" / "sweep.yaml")
    p = sweep.points[0]
    assert (
        p.knobs["model"],
        p.knobs["dataset"],
        p.knobs["memcelltype"],
        p.knobs["SARADC"],
        p.knobs["numColMuxed"],
    ) == ("VGG8", "cifar10", 2, True, 1)
    assert set(p.swept) == {"ADCprecision", "vari"} and len({q.seed for q in sweep.points}) >= 3
    assert sweep.warnings == []


def test_readme_starts_with_run_and_test_commands():
    text = (PROJECT / "README.md").read_text()
    block = re.search(r"```bash\n(.*?)```", text, re.S).group(1).strip().splitlines()
    assert "snakemake" in block[0] and "pytest" in block[1]


def test_plan_command_prints_counts():
    out = subprocess.run(
        [sys.executable, "-m", "noisyneurosim", "plan", str(PROJECT / "config/sweep.yaml")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "48 points" in out and "GPU hours" in out


def test_the_commented_training_study_in_sweep_yaml_runs_when_uncommented():
    text = (PROJECT / "config" / "sweep.yaml").read_text()
    head, block = text.split("Uncomment to add it:\n", 1)
    uncommented = "\n".join(line.replace("  # ", "  ", 1) for line in block.splitlines()) + "\n"
    config = yaml.safe_load(head + "\n" + uncommented)
    from noisyneurosim.config import check

    sweep = check(config, source="sweep.yaml (uncommented)")
    trained = [p for p in sweep.points if p.study == "trained_precision"]
    assert len(trained) == 6 and len({p.train_id for p in trained}) == 3  # one training run per word length


def test_the_readme_names_every_reason_a_test_skips():
    """The README's first screen says what skips on a plain machine and why, in the words pytest prints (-ra)."""
    first_screen = " ".join((PROJECT / "README.md").read_text().split("![", 1)[0].split())
    reasons = set()
    for path in (PROJECT / "tests").glob("*.py"):
        for message in re.findall(r'pytest\.skip\(f?"([^"]+)"', path.read_text()):
            reasons.add(re.split(r" \(|\{", message)[0].strip())  # without the way out and the filled-in names
    assert len(reasons) >= 5  # the search found the skips
    assert sorted(r for r in reasons if r not in first_screen) == []
