import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir)))
from _adapter import setup

setup(snakemake)
from noisyneurosim.neurosim import build_hardware

with open(snakemake.log[0], "a") as log:
    build_hardware(
        Path(snakemake.input.base),
        Path(snakemake.output.main).parent,
        json.loads(snakemake.params.values),
        commit=snakemake.params.commit,
        jobs=snakemake.threads,
        log=log,
    )
