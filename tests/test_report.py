"""Tables, figures and the HTML report on the stand-in sweep, checked like a reader would."""

import json
import math
import shutil
import struct
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from runner import PROJECT

from noisyneurosim.summary import pareto_front, wilson

# one test process for the module: its finished sweep (a module fixture) is then run once, and beside it
# the browser test, which shares Chromium with no other test (conftest.py)
pytestmark = pytest.mark.xdist_group("shared-service")

ARTIFACTS = Path(__file__).parent / "artifacts"
STUDIES = {
    # two accuracy-side knobs and a hardware knob, two seeds
    "noise": {"grid": {"ADCprecision": [3, 5], "vari": [0.0, 0.2], "technode": [22, 45]}, "seeds": [1, 2]},
    "tech": {
        "grid": {"technode": [22, 45], "memcelltype": ["SRAM", "RRAM"]},
        "points": [{"technode": 22, "temp": 390}],
        "seeds": [1],
    },
    # checkpoints trained by the workflow (the stand-in's train.py), one per word length
    "trained": {"train": {"epochs": 3, "decreasing_lr": [2]}, "grid": {"wl_weight": [4, 8]}, "seeds": [1]},
}


@pytest.fixture(scope="module")
def finished(standin, tmp_path_factory):
    from conftest import Workflow, base_config

    workdir = tmp_path_factory.mktemp("report") / "wf"
    config = base_config(standin, workdir)
    config["max_test_images"] = 200
    config["studies"] = STUDIES
    wf = Workflow(workdir, config)
    proc = wf.run(check=False)
    assert "1 of 23 points failed" in proc.stderr, proc.stderr[-3000:]
    return wf


def png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", head[16:24])


def test_wilson_interval_is_honest_for_one_seed():
    lo, hi = wilson(90, 100)
    assert 0.82 < lo < 0.85 and 0.94 < hi < 0.96
    assert wilson(0, 4)[0] == 0 and wilson(4, 4)[1] == 1


def test_pareto_front_keeps_only_undominated_settings():
    df = pd.DataFrame({"tops_per_w_mean": [1, 2, 3, 2.5], "accuracy_mean": [0.9, 0.8, 0.7, 0.6]})
    assert list(pareto_front(df).index) == [0, 1, 2]


def test_summary_matches_runs(finished):
    runs = finished.runs()
    summary = pd.read_csv(finished.workdir / "results/summary.csv")
    noise = summary[summary["study"] == "noise"]
    assert len(noise) == 8 and set(noise["seeds"]) == {2} and set(noise["seeds_ok"]) == {2}
    for _, s in noise.iterrows():
        rows = runs[
            (runs["study"] == "noise")
            & (runs["ADCprecision"] == s["ADCprecision"])
            & (runs["vari"] == s["vari"])
            & (runs["technode"] == s["technode"])
        ]
        assert s["accuracy_mean"] == pytest.approx(rows["accuracy"].mean())
        assert s["tops_per_w_mean"] == pytest.approx(rows["tops_per_w"].mean())
        assert s["accuracy_ci95_low"] <= s["accuracy_mean"] <= s["accuracy_ci95_high"]
    tech = summary[summary["study"] == "tech"]
    failed = tech[tech["temp"] == 390].iloc[0]
    assert failed["seeds_failed"] == 1 and failed["seeds_ok"] == 0 and math.isnan(failed["tops_per_w_mean"])
    # one seed still gets an accuracy interval (the binomial one)
    single = tech[tech["temp"] == 300].iloc[0]
    assert single["accuracy_ci95_low"] < single["accuracy_mean"] < single["accuracy_ci95_high"]


def test_summary_markdown_names_best_front_and_failures(finished):
    text = (finished.workdir / "results/summary.md").read_text()
    runs = finished.runs()
    noise = runs[runs["study"] == "noise"]
    means = noise.groupby(["ADCprecision", "vari", "technode"])["accuracy"].mean()
    best = means.idxmax()
    assert f"Best accuracy: {means.max():.4f}" in text
    assert f"ADCprecision={best[0]}, vari={best[1]:g}, technode={best[2]}" in text
    assert "Pareto front" in text and "memcelltype=RRAM" in text
    assert "exit code 255 with no output" in text and "results/logs/estimate/" in text


def test_figures_are_valid_images_of_the_expected_count(finished):
    plots = finished.workdir / "results/plots"
    names = {p.relative_to(plots).as_posix() for p in plots.rglob("*.png")}
    assert names == {
        "noise/accuracy/accuracy_vs_ADCprecision.png",
        "noise/accuracy/accuracy_vs_vari.png",
        # the third varying knob fixed per figure, never averaged over
        "noise/hardware/hardware_vs_ADCprecision__technode-22.png",
        "noise/hardware/hardware_vs_ADCprecision__technode-45.png",
        "noise/hardware/hardware_vs_technode__vari-0.png",
        "noise/hardware/hardware_vs_technode__vari-0.2.png",
        "noise/pareto/pareto_accuracy_tops_per_w.png",
        "noise/heatmap/heatmap_vari_vs_ADCprecision__technode-22.png",
        "noise/heatmap/heatmap_vari_vs_ADCprecision__technode-45.png",
        "noise/breakdown/breakdown_per_setting.png",
        "noise/layers/layers_of_best_tops_per_w.png",
        # temp = 390 has one point, which failed: no figure of empty axes for it (the others say so)
        "tech/hardware/hardware_vs_technode__temp-300.png",
        "tech/hardware/hardware_vs_memcelltype__temp-300.png",
        "tech/hardware/hardware_vs_temp__memcelltype-RRAM.png",
        "tech/hardware/hardware_vs_temp__memcelltype-SRAM.png",
        "tech/pareto/pareto_accuracy_tops_per_w.png",
        "tech/heatmap/heatmap_memcelltype_vs_technode__temp-300.png",
        "tech/breakdown/breakdown_per_setting.png",
        "tech/layers/layers_of_best_tops_per_w.png",
        "trained/accuracy/accuracy_vs_wl_weight.png",
        "trained/hardware/hardware_vs_wl_weight.png",
        "trained/pareto/pareto_accuracy_tops_per_w.png",
        "trained/breakdown/breakdown_per_setting.png",
        "trained/layers/layers_of_best_tops_per_w.png",
        # the learning curves of its two training runs
        "trained/training/learning_curves.png",
    }
    for name in names:
        width, height = png_size(plots / name)
        assert width > 400 and height > 300
        svg = (plots / name).with_suffix(".svg").read_text()
        assert svg.lstrip().startswith("<?xml") and "</svg>" in svg
    # the figures of the study with a failed point say so; the complete study says all are shown
    assert "1 of 5 points not shown" in (plots / "tech/breakdown/breakdown_per_setting.svg").read_text()
    assert (
        "all 8 settings shown" in (plots / "noise/pareto/pareto_accuracy_tops_per_w.svg").read_text()
    )  # 16 points, 2 seeds each
    for name in ("hardware/hardware_vs_technode__temp-300", "heatmap/heatmap_memcelltype_vs_technode__temp-300"):
        svg = (plots / "tech" / f"{name}.svg").read_text()
        assert "not drawn for temp = 390: no point there finished" in svg, name


def figure_tables(finished, study):
    plots = finished.workdir / "results/plots" / study
    return {p.stem: pd.read_csv(p) for p in plots.rglob("*.csv")}


def test_every_figure_keeps_its_marks_and_each_mark_averages_the_seeds_only(finished):
    runs = finished.runs()
    noise = runs[runs["study"] == "noise"]
    tables = figure_tables(finished, "noise")
    pngs = {p.stem for p in (finished.workdir / "results/plots/noise").rglob("*.png")}
    assert set(tables) == pngs
    for name, marks in tables.items():
        assert {"ADCprecision", "vari", "technode", "mean", "n"} <= set(marks.columns), name
        expected_n = 1 if name.startswith("layers") else 2  # one run per layer figure; else both seeds
        assert set(marks["n"]) == {expected_n}, name
        for knob in ("ADCprecision", "vari", "technode"):
            assert marks[knob].notna().all(), f"{name}: a mark without its {knob}"
    # accuracy: one inference run per (ADCprecision, vari, seed); technode cannot act on it
    acc = tables["accuracy_vs_ADCprecision"]
    assert set(acc["technode"]) == {"all"} and len(acc) == 4
    for _, m in acc.iterrows():
        seeds = noise[(noise["ADCprecision"] == m["ADCprecision"]) & (noise["vari"] == m["vari"])]
        seeds = seeds.drop_duplicates("acc_id")
        assert len(seeds) == 2 and m["mean"] == pytest.approx(seeds["accuracy"].mean())
        assert m["sd"] == pytest.approx(seeds["accuracy"].std(ddof=1))
    svg = (finished.workdir / "results/plots/noise/accuracy/accuracy_vs_ADCprecision.svg").read_text()
    assert "not split by technode" in svg and "over seeds" in svg
    # a heatmap cell is one setting's mean over its seeds, never a mean across the other knob
    cells = tables["heatmap_vari_vs_ADCprecision__technode-45"]
    tops = cells[cells["quantity"] == "tops_per_w"]
    assert len(tops) == 4 and set(tops["technode"]) == {45}
    for _, m in tops.iterrows():
        seeds = noise[(noise["ADCprecision"] == m["ADCprecision"]) & (noise["vari"] == m["vari"])]
        assert m["mean"] == pytest.approx(seeds[seeds["technode"] == 45]["tops_per_w"].mean())


def test_text_stays_inside_every_figure(finished):
    from noisyneurosim import plots
    from noisyneurosim.figures import applicable
    from noisyneurosim.plots.marks import swept_knobs
    from noisyneurosim.summary import summarise

    runs, layers = finished.runs(), finished.layers()
    training = pd.read_csv(finished.workdir / "results/training.csv")
    summary = summarise(runs)
    for study in ("noise", "tech", "trained"):
        r, s = runs[runs["study"] == study], summary[summary["study"] == study]
        axes = swept_knobs(r)
        for kind in applicable(axes, trains=r["train_id"].notna().any()):
            for d in plots.draw(kind, r, s, layers, training):
                assert plots.layout_problems(d.fig) == [], f"{study}/{kind}/{d.name}"
                # a short title: what the figure holds fixed is its second line, everything else a note
                assert len(d.fig._suptitle.get_text().splitlines()) <= 2, f"{study}/{kind}/{d.name}"
                plots.plt.close(d.fig)


def test_figures_stay_readable_with_many_values_and_lines():
    """24 values on an axis and 7 lines: labels do not collide, the legend covers nothing."""
    from noisyneurosim import plots
    from noisyneurosim.knobs import KNOBS

    rows = []
    for i, vari in enumerate(np.linspace(0, 0.46, 24)):
        for j, ratio in enumerate([2, 5, 10, 20, 50, 100, 200]):
            row = {k: knob.default for k, knob in KNOBS.items()}
            row.update(
                vari=round(float(vari), 3),
                onoffratio=float(ratio),
                study="many",
                seed=1,
                status="ok",
                swept="vari;onoffratio",
                acc_id=f"a{i}-{j}",
                point_id=f"p{i}-{j}",
                hw_id=f"h{j}",
                accuracy=0.9 - vari - 0.01 * j,
                tops_per_w=10.0 + j,
                latency_ns=1e3 + i,
                dynamic_energy_pj=1e6 + i,
                chip_area_um2=1e7,
            )
            rows.append(row)
    runs = pd.DataFrame(rows)
    for kind in ("accuracy", "hardware"):
        for d in plots.draw(kind, runs, pd.DataFrame(), pd.DataFrame()):
            assert plots.layout_problems(d.fig) == [], f"{kind}/{d.name}"
            plots.plt.close(d.fig)


def test_a_study_where_everything_failed_crowns_nothing_and_draws_no_empty_axes(make_workflow):
    wf = make_workflow({"broken": {"grid": {"technode": [22, 45]}, "seeds": [1]}}, defaults={"temp": 390})
    proc = wf.run(check=False)
    assert "2 of 2 points failed" in proc.stderr
    text = (wf.workdir / "results/summary.md").read_text()
    assert "Best" not in text and "Pareto front:" not in text
    assert "none is named best" in text and "Every point of study `broken` failed" in text
    assert text.count("| broken |") == 2 and "exit code 255 with no output" in text
    # each figure folder holds one image that says so, and its CSV lists the points with their reasons
    plots = wf.workdir / "results/plots/broken"
    pngs = sorted(p.relative_to(plots).as_posix() for p in plots.rglob("*.png"))
    assert pngs == [f"{kind}/{kind}_not_drawn.png" for kind in ("breakdown", "hardware", "layers", "pareto")]
    for png in pngs:
        svg = (plots / png).with_suffix(".svg").read_text()
        assert "Every point of study broken failed: see runs.csv reasons" in svg and '<g id="axes_1">' not in svg
        reasons = pd.read_csv((plots / png).with_suffix(".csv"))
        assert len(reasons) == 2 and reasons["reason"].str.contains("exit code 255").all()


def synthetic_runs(accuracy, tops_per_w, hue_values=(3, 5, 6)) -> pd.DataFrame:
    """A study of vari x ADCprecision on made-up numbers: accuracy(vari, adc) and tops_per_w(vari, adc)."""
    from noisyneurosim.knobs import KNOBS

    rows = []
    for i, vari in enumerate((0.0, 0.1, 0.2)):
        for adc in hue_values:
            row = {k: knob.default for k, knob in KNOBS.items()}
            row.update(
                vari=vari,
                ADCprecision=adc,
                study="made_up",
                seed=1,
                status="ok",
                swept="vari;ADCprecision",
                acc_id=f"a{i}-{adc}",
                point_id=f"p{i}-{adc}",
                hw_id=f"h{adc}",
                accuracy=accuracy(vari, adc),
                tops_per_w=tops_per_w(vari, adc),
                latency_ns=1e3 * adc,
                dynamic_energy_pj=1e6 * adc,
                chip_area_um2=1e7 * adc,
            )
            rows.append(row)
    return pd.DataFrame(rows)


def figure_text(d) -> str:
    d.fig.canvas.draw()
    return "\n".join(t.get_text() for t in d.fig.findobj(lambda a: hasattr(a, "get_text"))).replace("\n  ", " ")


def against_vari(kind, runs):
    from noisyneurosim import plots

    return next(d for d in plots.draw(kind, runs, pd.DataFrame(), pd.DataFrame()) if d.name == f"{kind}_vs_vari")


def test_lines_that_coincide_are_named_and_stay_visible():
    from noisyneurosim import plots

    # ADC 5 and 6 give the same accuracy; 3 does not
    runs = synthetic_runs(lambda v, adc: 0.9 - v - (0.1 if adc == 3 else 0.0), lambda v, adc: 10.0 + adc)
    d = against_vari("accuracy", runs)
    assert "ADCprecision 5 and 6 coincide" in figure_text(d) and "3, 5" not in figure_text(d)
    drawn = [line for line in d.fig.axes[0].get_lines() if line.get_linestyle() != "None"]  # no caps
    styles = {(line.get_linestyle(), line.get_marker()) for line in drawn}
    assert len(drawn) == 3 and len(styles) == 2, "the coinciding lines are drawn alike: one hides the other"
    plots.plt.close(d.fig)


def test_an_axis_or_colour_scale_that_leaves_out_zero_states_its_range():
    from noisyneurosim import plots

    # accuracies between 0.85 and 0.88: a 3 % spread that fills the whole axis
    runs = synthetic_runs(lambda v, adc: 0.88 - 0.15 * v - 0.001 * adc, lambda v, adc: 100.0 + adc)
    d = against_vari("accuracy", runs)
    text = figure_text(d)
    low, high = d.fig.axes[0].get_ylim()
    assert low > 0 and f"y-axis from {low:.4g} to {high:.4g}, not from 0: the values differ by 3." in text
    plots.plt.close(d.fig)
    for d in plots.draw("heatmap", runs, pd.DataFrame(), pd.DataFrame()):
        text = figure_text(d)
        assert (
            "Energy efficiency [TOPS/W]: colour scale from 103 to 106, not from 0: the values differ by 2.8 %" in text
        )
        plots.plt.close(d.fig)


def test_breakdowns_add_up_as_their_figures_say_on_real_outputs(shared_samples):
    from noisyneurosim.parse import parse_hardware
    from noisyneurosim.plots.breakdown import breakdown_parts

    for name in ("small_default", "small_layerbylayer", "small_rram22_sar_nomux", "vgg8_synthetic"):
        result = parse_hardware((shared_samples / f"{name}.stdout").read_text(), 0)
        chip = pd.Series(result["chip"])
        energy = sum(breakdown_parts(chip, "energy").values())
        assert energy == pytest.approx(chip["dynamic_energy_pj"], rel=1e-4), name
        area = breakdown_parts(chip, "area")
        assert area["unitemised_area_um2"] > 0 and sum(area.values()) == pytest.approx(chip["chip_area_um2"])
        latency = sum(breakdown_parts(chip, "latency").values())
        if result["process"] == "Layer-by-Layer":
            assert latency == pytest.approx(chip["latency_ns"], rel=1e-4), name
        elif name == "small_default":  # pipelined: why the figure says "in layer-by-layer mode only"
            assert abs(latency / chip["latency_ns"] - 1) > 0.01
        for layer in result["layers"]:  # per layer, the parts are the layer's read latency and energy
            parts = sum(layer[k] for k in ("adc_latency_ns", "accumulation_latency_ns", "other_latency_ns"))
            assert parts == pytest.approx(layer["read_latency_ns"], rel=1e-4)


def test_every_output_column_is_documented(finished):
    from noisyneurosim.knobs import KNOBS
    from noisyneurosim.summary import HEADLINE

    docs = (PROJECT / "docs/columns.md").read_text()
    statistics = {f"{m}_{s}" for m in HEADLINE for s in ("mean", "std", "ci95_low", "ci95_high")}
    results = finished.workdir / "results"
    tables = {name: pd.read_csv(results / name) for name in ("runs.csv", "layers.csv", "summary.csv", "training.csv")}
    tables.update({str(p.relative_to(results)): pd.read_csv(p) for p in (results / "plots").rglob("*.csv")})
    for name, table in tables.items():
        missing = [c for c in table.columns if f"`{c}`" not in docs and c not in KNOBS and c not in statistics]
        assert not missing, f"{name}: {missing} not in docs/columns.md"


SHOW = """
<script>
window.addEventListener('load', () => {
  const [path, r] = Object.entries(results).find(([p]) => p.endsWith('WANTED'));
  // the whole figure in the 1400 x 1000 window, legend and notes included
  document.body.innerHTML = '<p style="font: 14px sans-serif">' + path + '</p>'
    + '<img style="max-width: 1380px; max-height: 940px" src="' + r.data_uri + '">';
});
</script>
"""

CHECK = """
<script>
window.addEventListener('load', async () => {
  const out = {images: 0, broken: [], tables: {}, no_caption: [], categories: Object.keys(categories)};
  for (const [path, r] of Object.entries(results)) {
    if (!r.caption || !r.caption.trim()) out.no_caption.push(path);
    if (r.mime_type.startsWith('image/')) {
      const ok = await new Promise(done => {
        const im = new Image();
        im.onload = () => done(im.naturalWidth > 0 && im.naturalHeight > 0);
        im.onerror = () => done(false);
        im.src = r.data_uri;
      });
      if (ok) out.images++; else out.broken.push(path);
    } else if (r.mime_type === 'text/csv') {
      const body = r.data_uri.slice(r.data_uri.indexOf(',') + 1);
      const text = r.data_uri.includes(';base64,') ? atob(body) : decodeURIComponent(body);
      out.tables[path] = text.trim().split('\\n').length - 1;
    }
  }
  const pre = document.createElement('pre');
  pre.id = 'nns-check';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>
"""


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    if __import__("os").environ.get("NNS_REQUIRE_BROWSER") == "1":
        pytest.fail("chromium is required here but not installed")
    pytest.skip("no headless Chromium installed (apt-get install chromium)")


BROWSER_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def report(finished) -> Path:
    """`snakemake --report report.html` after the run, with its config, as the README says."""
    path = finished.workdir / "report.html"
    subprocess.run(finished.command("--report", str(path), cores=None), check=True, capture_output=True, text=True)
    return path


def test_the_report_holds_no_warning_text_and_lists_each_studys_figures(report):
    html = report.read_text()
    # docutils puts its complaints about the reStructuredText into the page itself
    assert "System Message" not in html and "WARNING/" not in html and "ERROR/" not in html
    front = json.loads(html.split("var workflow_desc = ", 1)[1].split(";\n", 1)[0])
    studies = front.split('<ul class="simple">', 1)[1].split("</ul>", 1)[0]
    # one bullet per study, its figures in it (not glued into the next paragraph)
    assert studies.count("<li>") == 3, studies[:2000]
    for study in ("noise", "tech", "trained"):
        item = studies.split(f"<li><strong>{study}</strong>:", 1)[1].split("</li>", 1)[0]
        assert f"results/plots/{study}/" in item, study


@pytest.mark.browser
def test_report_opens_in_a_browser_with_every_figure_and_table(finished, report, tmp_path):
    browser = chromium()
    html = report.read_text()
    probe = tmp_path / "probe.html"
    probe.write_text(html.replace("</body>", CHECK + "</body>"))
    common = [browser, *BROWSER_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=20000"]
    dom = subprocess.run([*common, "--dump-dom", probe.as_uri()], capture_output=True, text=True, timeout=120).stdout
    assert 'id="nns-check"' in dom, dom[-2000:]
    assert "System Message" not in dom  # a warning docutils would show the reader
    out = json.loads(dom.split('id="nns-check">', 1)[1].split("</pre>", 1)[0].replace("&quot;", '"'))
    pngs = list((finished.workdir / "results/plots").rglob("*.png"))
    assert out["images"] == len(pngs) and out["broken"] == []
    assert out["no_caption"] == []
    runs = finished.runs()
    assert out["tables"]["results/runs.csv"] == len(runs)
    assert out["tables"]["results/summary.csv"] == len(pd.read_csv(finished.workdir / "results/summary.csv"))
    assert out["tables"]["results/layers.csv"] > 0
    # results first: the menu lists summary and studies before tables and provenance, and the front page (the
    # workflow description) links every figure, one click each
    assert sorted(out["categories"]) == ["1. Summary", "2. Study noise", "2. Study tech", "2. Study trained"] + [
        "3. Tables",
        "4. Provenance",
    ]
    front = json.loads(html.split("var workflow_desc = ", 1)[1].split(";\n", 1)[0])
    assert "results first" in front and "summary.md" in front
    for png in pngs:
        assert f"contentPath:results['{png.relative_to(finished.workdir).as_posix()}'].data_uri" in front, png
    # the provenance a reader needs: config, commit, adaptations, each build's Param.cpp diff
    assert "results/config.yaml" in html and "adaptations.json" in html
    assert html.count("Param.cpp.diff") >= runs["hw_id"].nunique()
    ARTIFACTS.mkdir(exist_ok=True)

    def screenshot(page: Path, shot: Path) -> None:
        cmd = [*common, "--window-size=1400,1000", f"--screenshot={shot}", page.as_uri()]
        subprocess.run(cmd, capture_output=True, timeout=120, check=True)
        assert png_size(shot) == (1400, 1000)

    screenshot(report, ARTIFACTS / "report.png")
    # and one faceted figure as the report holds it (its own embedded copy), for a reader to look at
    gallery = tmp_path / "figure.html"
    gallery.write_text(
        html.replace("</body>", SHOW.replace("WANTED", "noise/hardware/hardware_vs_technode__vari-0.png") + "</body>")
    )
    screenshot(gallery, ARTIFACTS / "report_figure.png")
