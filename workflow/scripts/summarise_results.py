from _adapter import setup

setup(snakemake)
from pathlib import Path

import pandas as pd

from noisyneurosim.compare import differences
from noisyneurosim.files import write_checked
from noisyneurosim.summary import markdown, summarise

runs = pd.read_csv(snakemake.input.runs)
summary = summarise(runs)
write_checked(Path(snakemake.output.versions), differences(runs).to_csv(index=False))
write_checked(Path(snakemake.output.summary), summary.to_csv(index=False))
# each search study's section (its front and hypervolume) after the grid's
sections = [Path(f).read_text() for f in snakemake.input.searches]
write_checked(Path(snakemake.output.markdown), "\n".join([markdown(summary, runs), *sections]))
