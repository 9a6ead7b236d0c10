from _adapter import setup

setup(snakemake)
from pathlib import Path

from noisyneurosim.files import read_json, write_json

pooled = read_json(Path(snakemake.input.pooled))
write_json(Path(snakemake.output.accuracy), {**pooled, "pooled": snakemake.input.pooled})
