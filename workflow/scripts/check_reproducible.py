from _adapter import setup

setup(snakemake)
from pathlib import Path

from noisyneurosim.files import write_json
from noisyneurosim.reproducibility import check

acc_id, hw_id = snakemake.params.pair
write_json(
    Path(snakemake.output.check),
    check(
        model=snakemake.wildcards.model,
        acc_id=acc_id,
        hw_id=hw_id,
        estimate=Path(snakemake.input.estimate),
        network=Path(snakemake.input.network),
        build=Path(snakemake.input.main).parent,
        workdir=Path(snakemake.input.traces),
        timeout=snakemake.params.timeout,
        stdout_path=Path(snakemake.log.stdout),
        stderr_path=Path(snakemake.log.stderr),
    ),
)
