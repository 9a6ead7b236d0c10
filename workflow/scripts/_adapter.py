"""Shared by the rule scripts: import path and a log file for this job."""
import logging
import sys
from pathlib import Path


def setup(snakemake):
    sys.path.insert(0, str(Path(snakemake.scriptdir).resolve().parents[1] / "src"))
    log_file = snakemake.log[0] if snakemake.log else None
    logging.basicConfig(
        filename=log_file,
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(message)s",
    )
    return logging.getLogger("noisyneurosim")
