from _adapter import setup

setup(snakemake)
import json
from pathlib import Path

from noisyneurosim.build import build_hardware
from noisyneurosim.settings import Settings

with open(snakemake.log.make, "a") as make_log:
    build_hardware(
        Path(snakemake.input.base),
        Path(snakemake.output.main).parent,
        json.loads(snakemake.params.values),
        commit=snakemake.params.commit,
        jobs=snakemake.threads,
        log=make_log,
        timeout=Settings.from_config(snakemake.config).timeouts["build"],
    )
