from _adapter import setup

setup(snakemake)
from pathlib import Path

from noisyneurosim import config as cfg
from noisyneurosim.pipeline import points_digest, write_points

# the config Snakemake holds is the one checked when this run started: expanded again, the same points
sweep = cfg.check(dict(snakemake.config), source=snakemake.params.source, base=Path.cwd())
if points_digest(sweep) != snakemake.params.digest:
    raise RuntimeError("the sweep expanded in this job differs from the one the run started with")
write_points(sweep, Path(snakemake.output.points))
