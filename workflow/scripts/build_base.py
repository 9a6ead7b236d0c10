from _adapter import setup

setup(snakemake)
from pathlib import Path

from noisyneurosim.build import build_base

with open(snakemake.log.make, "a") as make_log:
    build_base(
        Path(snakemake.input.checkout),
        Path(snakemake.output.base),
        jobs=snakemake.threads,
        log=make_log,
        timeout=snakemake.params.timeout,
    )
