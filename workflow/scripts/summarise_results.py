from _adapter import setup

setup(snakemake)
from pathlib import Path

import pandas as pd

from noisyneurosim.files import atomic_write
from noisyneurosim.summary import markdown, summarise

runs = pd.read_csv(snakemake.input.runs)
summary = summarise(runs)
atomic_write(Path(snakemake.output.summary), summary.to_csv(index=False))
atomic_write(Path(snakemake.output.markdown), markdown(summary, runs))
