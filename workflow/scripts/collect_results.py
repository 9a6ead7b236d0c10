import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir)))
from _adapter import setup

setup(snakemake)
from noisyneurosim.aggregate import collect
from noisyneurosim.config import check

sweep = check(snakemake.config, source=snakemake.params.config_file)
collect(sweep, Path("."), runs_csv=Path(snakemake.output.runs), layers_csv=Path(snakemake.output.layers))
