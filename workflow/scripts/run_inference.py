from _adapter import setup

setup(snakemake)
import json
from pathlib import Path

from noisyneurosim.files import write_json
from noisyneurosim.neurosim import run_inference

job = snakemake.params.job
args = json.loads(job["args"])
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
    timeout=snakemake.params.timeout,
    stdout_path=Path(snakemake.log.stdout),
    stderr_path=Path(snakemake.log.stderr),
)
# A NeuroSim failure is a result (recorded with its reason), not a job failure.
write_json(Path(snakemake.output.first), {"args": args, "part": int(snakemake.wildcards.get("part", 0)), **result})
