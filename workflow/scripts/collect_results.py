from _adapter import setup

setup(snakemake)
from pathlib import Path

from noisyneurosim.aggregate import collect
from noisyneurosim.pipeline import read_points
from noisyneurosim.search_lookup import with_searched_points

collect(
    with_searched_points(read_points(snakemake.input.points), snakemake.params.searches),
    Path("."),
    runs_csv=Path(snakemake.output.runs),
    layers_csv=Path(snakemake.output.layers),
    training_csv=Path(snakemake.output.training),
)
