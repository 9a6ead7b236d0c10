from _adapter import setup

setup(snakemake)
import json
from pathlib import Path

from noisyneurosim.files import read_json, write_json
from noisyneurosim.training import run_job

previous = snakemake.input.get("previous")
result = run_job(
    checkout=Path(snakemake.input.checkout),
    workdir=Path(snakemake.params.workdir),
    args=json.loads(snakemake.params.args),
    stop=int(snakemake.wildcards.stop),
    previous=read_json(Path(previous)) if previous else None,
    python=snakemake.params.python,
    data_root=snakemake.params.data_root,
    synthetic=snakemake.params.synthetic,
    max_train_images=snakemake.params.max_train_images,
    max_test_images=snakemake.params.max_test_images,
    timeout=snakemake.params.timeout,
    stdout_path=Path(snakemake.log.stdout),
    stderr_path=Path(snakemake.log.stderr),
)
# A diverged or crashed training is a result (recorded with its reason), not a job failure.
write_json(Path(snakemake.output.job), result)
