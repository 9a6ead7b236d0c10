from _adapter import setup

log = setup(snakemake)
import json
from pathlib import Path

from noisyneurosim.adapt import write_record
from noisyneurosim.training import prepare_checkout

commit = json.loads(Path(snakemake.input.adaptations).read_text())["commit"]  # as fetched
applied = prepare_checkout(Path(snakemake.input.checkout), Path(snakemake.output.checkout), commit)
write_record(Path(snakemake.output.adaptations), commit, applied)
log.info("training copy of NeuroSim %s adapted (%d adaptations)", commit, len(applied))
