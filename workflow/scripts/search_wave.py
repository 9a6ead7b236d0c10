from _adapter import setup

log = setup(snakemake)
from pathlib import Path

from noisyneurosim import config as cfg
from noisyneurosim.search_run import write_wave

sweep = cfg.check(snakemake.config, source="config")
record = write_wave(sweep, snakemake.wildcards.study, int(snakemake.wildcards.wave), Path(snakemake.output.wave))
log.info(
    "wave %s of %s: %d settings proposed, stop=%s %s; spent so far %s",
    record["wave"],
    record["study"],
    len(record["settings"]),
    record["stop"],
    record["why"],
    record["spent"],
)
