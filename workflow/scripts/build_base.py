import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir)))
from _adapter import setup

setup(snakemake)
from noisyneurosim.neurosim import build_base

with open(snakemake.log[0], "a") as log:
    build_base(Path(snakemake.input.checkout), Path(snakemake.output.base), jobs=snakemake.threads, log=log)
