import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir)))
from _adapter import setup

setup(snakemake)
import pandas as pd

from noisyneurosim.neurosim import atomic_write
from noisyneurosim.summary import markdown, summarise

runs = pd.read_csv(snakemake.input.runs)
summary = summarise(runs)
atomic_write(Path(snakemake.output.summary), summary.to_csv(index=False))
atomic_write(Path(snakemake.output.markdown), markdown(summary, runs))
