"""Opens every rule script: the project's code on the path, and this job's own log.

stderr (tracebacks included) and the logger go to the rule's `log: job=...`,
never to the files that capture NeuroSim's own output, which the parser reads.
"""

import logging
import os
import sys
from pathlib import Path


def setup(snakemake):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))
    job_log = open(snakemake.log.job, "a", buffering=1)
    os.dup2(job_log.fileno(), 2)  # also what C libraries and child processes write to stderr
    sys.stderr = job_log
    logging.basicConfig(stream=job_log, level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    return logging.getLogger("noisyneurosim")
