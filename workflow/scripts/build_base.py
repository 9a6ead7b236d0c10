from _adapter import setup

setup(snakemake)
from pathlib import Path

from noisyneurosim.build import build_base
from noisyneurosim.settings import Settings

with open(snakemake.log.make, "a") as make_log:
    build_base(
        Path(snakemake.input.checkout),
        Path(snakemake.output.base),
        jobs=snakemake.threads,
        log=make_log,
        timeout=Settings.from_config(snakemake.config).timeouts["build"],
    )
