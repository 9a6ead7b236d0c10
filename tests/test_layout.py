"""The module map the README promises: every module listed, and tables and figures free of process code."""

import subprocess
import sys

from conftest import PROJECT

README = (PROJECT / "README.md").read_text()
MODULES = sorted(p.stem for p in (PROJECT / "src/noisyneurosim").glob("*.py") if not p.stem.startswith("_"))


def test_every_module_has_a_line_in_the_readme_layout():
    layout = README.split("## Layout", 1)[1].split("\n## ", 1)[0]
    missing = [m for m in MODULES if f"`{m}.py`" not in layout]
    assert not missing, f"README's Layout lacks {missing}"


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
