from _adapter import setup

log = setup(snakemake)
from pathlib import Path

from noisyneurosim.fetch import fetch
from noisyneurosim.settings import Settings

# where it comes from is the config's (another clone of the same commit reruns nothing); the commit is a param
versions = {v.key: v for v in Settings.from_config(snakemake.config).versions().values()}
version = versions[snakemake.wildcards.commit]
commit = fetch(
    Path(snakemake.output.adaptations).parent,
    repo=version.repo,
    commit=None if version.commit == "local" else version.commit,
    path=version.path,
    branch=version.branch,
    overlay=version.overlay,
    log=log,
)
log.info("NeuroSim %s (%s) fetched and adapted", commit, version.label)
