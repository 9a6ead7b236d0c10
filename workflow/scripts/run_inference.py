from _adapter import setup

setup(snakemake)
import json
from pathlib import Path

from noisyneurosim.files import read_json, write_json
from noisyneurosim.neurosim import run_inference
from noisyneurosim.process import where
from noisyneurosim.training import checkpoint_for

job = snakemake.params.job
args = json.loads(job["args"])
part = int(snakemake.wildcards.get("part", 0))
checkpoint, why_not = None, ""
if snakemake.input.get("training"):  # a trained checkpoint: the one its training run kept, if any
    checkpoint, why_not = checkpoint_for(read_json(Path(snakemake.input.training)), job["checkpoint"])
if why_not:
    result = {"status": "failed", "reason": why_not, "where": where()}
    Path(snakemake.output.traces).mkdir(parents=True, exist_ok=True)
    for log in (snakemake.log.stdout, snakemake.log.stderr):
        Path(log).write_text(f"not run: {why_not}\n")
else:
    result = run_inference(
        checkout=Path(snakemake.input.checkout),
        workdir=Path(snakemake.output.traces),
        args=args,
        python=snakemake.params.python,
        data_root=snakemake.params.data_root,
        synthetic=snakemake.params.synthetic,
        max_test_images=job["images"],
        first_image=job["first_image"],
        traces=job["traces"],
        checkpoint=Path(checkpoint) if checkpoint else None,
        timeout=snakemake.params.timeout,
        stdout_path=Path(snakemake.log.stdout),
        stderr_path=Path(snakemake.log.stderr),
    )
    result["checkpoint"] = checkpoint or "shipped"
# A NeuroSim failure is a result (recorded with its reason), not a job failure.
write_json(Path(snakemake.output.first), {"args": args, "part": part, **result})
