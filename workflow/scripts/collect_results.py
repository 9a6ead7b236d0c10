from _adapter import setup

setup(snakemake)
from pathlib import Path

from noisyneurosim.aggregate import collect
from noisyneurosim.config import check

sweep = check(snakemake.config, source=snakemake.params.config_file)
collect(sweep, Path("."), runs_csv=Path(snakemake.output.runs), layers_csv=Path(snakemake.output.layers))
