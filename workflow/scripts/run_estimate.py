from _adapter import setup

setup(snakemake)
import json
from pathlib import Path

from noisyneurosim.files import write_json
from noisyneurosim.neurosim import network_file, run_estimate
from noisyneurosim.process import where

accuracy = json.loads(Path(snakemake.input.first).read_text())  # the first job: traces written?
network = Path(snakemake.output.network)
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
    network.write_text("")
else:
    result = run_estimate(
        build=Path(snakemake.input.main).parent,
        workdir=Path(snakemake.input.traces),
        model=snakemake.params.model,
        network_file=network_file(Path(snakemake.input.checkout), snakemake.params.model),
        correct_network=snakemake.params.correct_network,
        network_path=network,
        timeout=snakemake.params.timeout,
        stdout_path=Path(snakemake.log.stdout),
        stderr_path=Path(snakemake.log.stderr),
    )
    if not network.exists():
        network.write_text("")  # not run (traces unusable, or disagreeing with the network file)
write_json(Path(snakemake.output.estimate), result)
