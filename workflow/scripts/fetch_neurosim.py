from _adapter import setup

log = setup(snakemake)
from pathlib import Path

from noisyneurosim.fetch import fetch

params = snakemake.params
commit = fetch(
    Path(snakemake.output.adaptations).parent,
    repo=params.repo,
    commit=None if params.commit == "local" else params.commit,
    path=params.path,
    log=log,
)
log.info("NeuroSim %s fetched and adapted", commit)
