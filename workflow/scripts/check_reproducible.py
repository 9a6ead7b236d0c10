from _adapter import setup

setup(snakemake)
from pathlib import Path

from noisyneurosim.files import write_json
from noisyneurosim.neurosim import unpack_traces
from noisyneurosim.reproducibility import check
from noisyneurosim.settings import Settings

acc_id, hw_id = snakemake.params.pair
workdir = Path(snakemake.output.work)
unpack_traces(Path(snakemake.input.traces), workdir)
write_json(
    Path(snakemake.output.check),
    check(
        model=snakemake.wildcards.model,
        acc_id=acc_id,
        hw_id=hw_id,
        estimate=Path(snakemake.input.estimate),
        network=Path(snakemake.input.network),
        build=Path(snakemake.input.main).parent,
        workdir=workdir,
        timeout=Settings.from_config(snakemake.config).timeouts["estimate"],
        stdout_path=Path(snakemake.log.stdout),
        stderr_path=Path(snakemake.log.stderr),
    ),
)
