from _adapter import setup

log = setup(snakemake)
from pathlib import Path

from noisyneurosim.fetch import fetch

ns = snakemake.params.neurosim
commit = fetch(
    Path(snakemake.output.adaptations).parent,
    repo=ns.get("repo"),
    commit=ns.get("commit"),
    path=ns.get("path"),
)
log.info("NeuroSim %s fetched and adapted", commit)
