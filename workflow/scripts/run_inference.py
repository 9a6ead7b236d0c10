from _adapter import setup

setup(snakemake)
import json
from pathlib import Path

from noisyneurosim.files import file_checksum, write_json
from noisyneurosim.neurosim import pack_traces, run_inference
from noisyneurosim.ownership import claim, still_owned
from noisyneurosim.settings import Settings

# this attempt owns its result; one of an earlier run, left running, publishes nothing over it
owned = still_owned(Path(snakemake.output.result), claim(Path(snakemake.output.result)))

job = snakemake.params.job
args = json.loads(job["args"])
settings = Settings.from_config(snakemake.config)  # the interpreter, the data's folder, the time limit
workdir = Path(snakemake.output.work)
result = run_inference(
    checkout=Path(snakemake.input.checkout),
    workdir=workdir,
    args=args,
    python=settings.python_command,
    data_root=settings.data_root,
    synthetic=snakemake.params.synthetic,
    max_test_images=job["images"],
    first_image=job["first_image"],
    traces=job["traces"],
    timeout=settings.timeouts["inference"],
    stdout_path=Path(snakemake.log.stdout),
    stderr_path=Path(snakemake.log.stderr),
)
result["adaptations"] = snakemake.params.adaptations
if job["traces"]:
    # kept for every estimate to come, also one for a hardware value added after this run
    result["traces"] = pack_traces(workdir, args["model"], Path(snakemake.output.traces), before_publish=owned)
    # what every later start checks the kept archive against (a truncated or another run's archive is named)
    result["traces"]["sha256"] = file_checksum(Path(snakemake.output.traces))
# A NeuroSim failure is a result (recorded with its reason), not a job failure.
write_json(
    Path(snakemake.output.result),
    {"args": args, "part": int(snakemake.wildcards.get("part", 0)), **result},
    before_publish=owned,
)
