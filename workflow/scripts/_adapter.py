"""Opens every rule script: the project's code on the path, and this job's own log.

stderr (tracebacks included) and the logger go to the rule's `log: job=...`,
never to the files that capture NeuroSim's own output, which the parser reads.
An error that ends the script is also summarised in one line on the job's
original stderr, so that Snakemake's own output says what went wrong and where
the whole traceback is; an error whose message is the whole story (a fetch that
failed, upstream drift: `said_in_full`) is written as that message alone.
"""

import contextlib
import logging
import os
import sys
import traceback
from pathlib import Path


def setup(snakemake):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))
    from noisyneurosim.files import mount_of, no_space

    job_log = open(snakemake.log.job, "a", buffering=1)  # noqa: SIM115 (open for the job's whole life)
    console = os.fdopen(os.dup(2), "w", buffering=1)
    os.dup2(job_log.fileno(), 2)  # also what C libraries and child processes write to stderr
    sys.stderr = job_log
    logging.basicConfig(stream=job_log, level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")

    def report(kind, value, tb):
        if no_space(value):
            # the disk is full: the job's own log cannot take it, so say it where Snakemake shows it first
            where = value.filename or os.getcwd()
            console.write(f"no space left on {mount_of(where)} (writing {where}): free space, then run again\n")
            with contextlib.suppress(OSError):
                traceback.print_exception(kind, value, tb, file=job_log)
            return
        if getattr(kind, "said_in_full", False):  # a clear message that names the way out: no traceback
            job_log.write(f"{value}\n")
            console.write(f"{value}\n(also in {snakemake.log.job})\n")
            return
        traceback.print_exception(kind, value, tb, file=job_log)
        console.write(f"{kind.__name__}: {value}\n(traceback in {snakemake.log.job})\n")

    sys.excepthook = report
    # a group's own knobs (extra_knobs) join the catalogue, as they did where Snakemake read the config
    from noisyneurosim.knobs import EXTRA_KEY, extra_knobs, register_extra

    register_extra(extra_knobs(snakemake.config.get(EXTRA_KEY)))
    return logging.getLogger("noisyneurosim")
