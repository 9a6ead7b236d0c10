from _adapter import setup

setup(snakemake)
from pathlib import Path

from noisyneurosim.aggregate import collect
from noisyneurosim.pipeline import read_points

collect(
    read_points(snakemake.input.points),
    Path("."),
    runs_csv=Path(snakemake.output.runs),
    layers_csv=Path(snakemake.output.layers),
    training_csv=Path(snakemake.output.training),
)
