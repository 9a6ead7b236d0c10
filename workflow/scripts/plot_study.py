from _adapter import setup

setup(snakemake)
from pathlib import Path

import pandas as pd

from noisyneurosim.plots import make

study = snakemake.wildcards.study
runs = pd.read_csv(snakemake.input.runs)
summary = pd.read_csv(snakemake.input.summary)
layers = pd.read_csv(snakemake.input.layers)
training = pd.read_csv(snakemake.input.training)
for kind in snakemake.params.kinds:
    make(
        kind,
        runs[runs["study"] == study],
        summary[summary["study"] == study],
        layers,
        Path(snakemake.output.figures) / kind,
        training,
    )
