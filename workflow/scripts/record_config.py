import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir)))
from _adapter import setup

setup(snakemake)
import yaml

from noisyneurosim.neurosim import atomic_write

fetched = json.loads(Path(snakemake.input.adaptations).read_text())
header = (
    f"# Configuration as checked, from {snakemake.params.source}\n"
    f"# NeuroSim commit: {fetched['commit']}\n"
    f"# Adaptations applied: {', '.join(a['name'] for a in fetched['adaptations'])}\n"
)
atomic_write(Path(snakemake.output.config), header + yaml.safe_dump(dict(snakemake.params.config), sort_keys=False))
