import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir)))
from _adapter import setup

setup(snakemake)
from noisyneurosim.neurosim import run_estimate, where, write_json

accuracy = json.loads(Path(snakemake.input.accuracy).read_text())
if accuracy["status"] != "ok":
    result = {
        "status": "failed",
        "reason": f"inference failed: {accuracy['reason']}",
        "chip": {},
        "layers": [],
        "where": where(),
    }
    Path(snakemake.log.stdout).write_text("")
    Path(snakemake.log.stderr).write_text("not run: " + result["reason"] + "\n")
else:
    result = run_estimate(
        build=Path(snakemake.input.main).parent,
        workdir=Path(snakemake.input.workdir),
        model=snakemake.params.model,
        timeout=snakemake.params.timeout,
        stdout_path=Path(snakemake.log.stdout),
        stderr_path=Path(snakemake.log.stderr),
    )
write_json(Path(snakemake.output.estimate), result)
