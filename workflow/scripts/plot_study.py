from _adapter import setup

setup(snakemake)
from pathlib import Path

import pandas as pd

from noisyneurosim.plots import make

study = snakemake.wildcards.study
runs = pd.read_csv(snakemake.input.runs)
summary = pd.read_csv(snakemake.input.summary)
make(
    snakemake.params.kind,
    runs[runs["study"] == study],
    summary[summary["study"] == study],
    pd.read_csv(snakemake.input.layers),
    Path(snakemake.output.figures),
    pd.read_csv(snakemake.input.training),
)
