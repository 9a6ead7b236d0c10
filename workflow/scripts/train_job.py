from _adapter import setup

setup(snakemake)
import json
from pathlib import Path

from noisyneurosim import paths
from noisyneurosim.files import read_json, write_json
from noisyneurosim.ownership import claim, still_owned
from noisyneurosim.settings import Settings
from noisyneurosim.training import run_job

# this attempt owns its result; one of an earlier run, left running, publishes nothing over it
owned = still_owned(Path(snakemake.output.job), claim(Path(snakemake.output.job)))
previous = snakemake.input.get("previous")
settings = Settings.from_config(snakemake.config)  # the interpreter, the data's folder, the time limit
result = run_job(
    checkout=Path(snakemake.input.checkout),
    workdir=Path(paths.TRAINING_WORK.format(train=snakemake.wildcards.train)),
    args=json.loads(snakemake.params.args),
    stop=int(snakemake.wildcards.stop),
    previous=read_json(Path(previous)) if previous else None,
    python=settings.python_command,
    data_root=settings.data_root,
    synthetic=snakemake.params.synthetic,
    max_train_images=snakemake.params.max_train_images,
    max_test_images=snakemake.params.max_test_images,
    timeout=settings.timeouts["training"],
    stdout_path=Path(snakemake.log.stdout),
    stderr_path=Path(snakemake.log.stderr),
)
# A diverged or crashed training is a result (recorded with its reason), not a job failure.
result["adaptations"] = snakemake.params.adaptations
write_json(Path(snakemake.output.job), result, before_publish=owned)
