from _adapter import setup

setup(snakemake)
import json
from pathlib import Path

from noisyneurosim.files import write_json
from noisyneurosim.neurosim import failed_estimate, network_file, record_not_run, run_estimate, unpack_traces
from noisyneurosim.ownership import claim, still_owned
from noisyneurosim.settings import Settings

# this attempt owns its result; one of an earlier run, left running, publishes nothing over it
owned = still_owned(Path(snakemake.output.estimate), claim(Path(snakemake.output.estimate)))

accuracy = json.loads(Path(snakemake.input.first).read_text())  # the first job: traces written?
network = Path(snakemake.output.network)
workdir = Path(snakemake.output.work)
workdir.mkdir(parents=True, exist_ok=True)
if accuracy["status"] != "ok":
    result = failed_estimate(f"inference failed: {accuracy['reason']}")
    record_not_run(result["reason"], Path(snakemake.log.stdout), Path(snakemake.log.stderr))
    network.write_text("")
else:
    unpack_traces(Path(snakemake.input.traces), workdir)
    result = run_estimate(
        build=Path(snakemake.input.main).parent,
        workdir=workdir,
        model=snakemake.params.model,
        network_file=network_file(Path(snakemake.input.checkout), snakemake.params.model),
        correct_network=snakemake.params.correct_network,
        network_path=network,
        timeout=Settings.from_config(snakemake.config).timeouts["estimate"],
        stdout_path=Path(snakemake.log.stdout),
        stderr_path=Path(snakemake.log.stderr),
    )
    if not network.exists():
        network.write_text("")  # not run (traces unusable, or disagreeing with the network file)
write_json(Path(snakemake.output.estimate), result, before_publish=owned)
