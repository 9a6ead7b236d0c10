from _adapter import setup

setup(snakemake)
from noisyneurosim import config as cfg
from noisyneurosim.search_report import write_results

sweep = cfg.check(snakemake.config, source="config")
write_results(sweep, snakemake.wildcards.study, dict(snakemake.output))
