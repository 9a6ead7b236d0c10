from _adapter import setup

log = setup(snakemake)
from pathlib import Path

from noisyneurosim.fetch import fetch
from noisyneurosim.settings import Settings

# where it comes from is the config's (another clone of the same commit reruns nothing); the commit is a param
settings = Settings.from_config(snakemake.config)
commit = fetch(
    Path(snakemake.output.adaptations).parent,
    repo=settings.repo,
    commit=None if snakemake.params.commit == "local" else snakemake.params.commit,
    path=settings.path,
    log=log,
)
log.info("NeuroSim %s fetched and adapted", commit)
