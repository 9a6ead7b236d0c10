"""Tables, figures and the HTML report on the stand-in sweep, checked like a reader would."""

import json
import math
import shutil
import struct
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from noisyneurosim.summary import pareto_front, wilson

ARTIFACTS = Path(__file__).parent / "artifacts"
STUDIES = {
    "noise": {"grid": {"ADCprecision": [3, 5], "vari": [0.0, 0.2]}, "seeds": [1, 2]},
    "tech": {
        "grid": {"technode": [22, 45], "memcelltype": ["SRAM", "RRAM"]},
        "points": [{"technode": 22, "temp": 390}],
        "seeds": [1],
    },
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
    assert "1 of 13 points failed" in proc.stderr, proc.stderr[-3000:]
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
    assert len(noise) == 4 and set(noise["seeds"]) == {2} and set(noise["seeds_ok"]) == {2}
    for _, s in noise.iterrows():
        rows = runs[
            (runs["study"] == "noise") & (runs["ADCprecision"] == s["ADCprecision"]) & (runs["vari"] == s["vari"])
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
    best = noise.groupby(["ADCprecision", "vari"])["accuracy"].mean().idxmax()
    assert f"Best accuracy: {noise.groupby(['ADCprecision', 'vari'])['accuracy'].mean().max():.4f}" in text
    assert f"ADCprecision={best[0]}, vari={best[1]:g}" in text
    assert "Pareto front" in text and "memcelltype=RRAM" in text
    assert "exit code 255 with no output" in text and "results/logs/estimate/" in text


def test_figures_are_valid_images_of_the_expected_count(finished):
    plots = finished.workdir / "results/plots"
    names = {p.relative_to(plots).as_posix() for p in plots.rglob("*.png")}
    assert names == {
        "noise/accuracy/accuracy_vs_ADCprecision.png",
        "noise/accuracy/accuracy_vs_vari.png",
        "noise/hardware/hardware_vs_ADCprecision.png",
        "noise/pareto/pareto_accuracy_tops_per_w.png",
        "noise/heatmap/heatmap_vari_vs_ADCprecision.png",
        "noise/breakdown/breakdown_per_hardware_setting.png",
        "noise/layers/layers_of_best_tops_per_w.png",
        "tech/hardware/hardware_vs_technode.png",
        "tech/hardware/hardware_vs_memcelltype.png",
        "tech/hardware/hardware_vs_temp.png",
        "tech/pareto/pareto_accuracy_tops_per_w.png",
        "tech/heatmap/heatmap_memcelltype_vs_technode.png",
        "tech/breakdown/breakdown_per_hardware_setting.png",
        "tech/layers/layers_of_best_tops_per_w.png",
    }
    for name in names:
        width, height = png_size(plots / name)
        assert width > 400 and height > 300
        svg = (plots / name).with_suffix(".svg").read_text()
        assert svg.lstrip().startswith("<?xml") and "</svg>" in svg
    # the figures of the study with a failed point say so; the complete study says all are shown
    assert "1 of 5 points not shown" in (plots / "tech/pareto/pareto_accuracy_tops_per_w.svg").read_text()
    assert "all 8 points shown" in (plots / "noise/pareto/pareto_accuracy_tops_per_w.svg").read_text()


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


@pytest.mark.browser
def test_report_opens_in_a_browser_with_every_figure_and_table(finished, tmp_path):
    browser = chromium()
    report = finished.workdir / "report.html"
    subprocess.run(finished.command("--report", str(report), cores=None), check=True, capture_output=True, text=True)
    html = report.read_text()
    probe = tmp_path / "probe.html"
    probe.write_text(html.replace("</body>", CHECK + "</body>"))
    common = [browser, *BROWSER_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=20000"]
    dom = subprocess.run([*common, "--dump-dom", probe.as_uri()], capture_output=True, text=True, timeout=120).stdout
    assert 'id="nns-check"' in dom, dom[-2000:]
    out = json.loads(dom.split('id="nns-check">', 1)[1].split("</pre>", 1)[0].replace("&quot;", '"'))
    pngs = list((finished.workdir / "results/plots").rglob("*.png"))
    assert out["images"] == len(pngs) and out["broken"] == []
    assert out["no_caption"] == []
    runs = finished.runs()
    assert out["tables"]["results/runs.csv"] == len(runs)
    assert out["tables"]["results/summary.csv"] == len(pd.read_csv(finished.workdir / "results/summary.csv"))
    assert out["tables"]["results/layers.csv"] > 0
    assert {"noise", "tech", "Provenance", "Summary", "Tables"} <= set(out["categories"])
    # the provenance a reader needs: config, commit, adaptations, each build's Param.cpp diff
    assert "results/config.yaml" in html and "adaptations.json" in html
    assert html.count("Param.cpp.diff") >= runs["hw_id"].nunique()
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "report.png"
    subprocess.run(
        [*common, "--window-size=1400,1000", f"--screenshot={shot}", report.as_uri()],
        capture_output=True,
        timeout=120,
        check=True,
    )
    assert png_size(shot) == (1400, 1000)
