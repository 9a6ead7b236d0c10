from _adapter import setup

setup(snakemake)
import json
from pathlib import Path

import yaml

from noisyneurosim.files import atomic_write

fetched = json.loads(Path(snakemake.input.adaptations).read_text())
header = (
    f"# Configuration as checked, from {snakemake.params.source}\n"
    f"# NeuroSim commit: {fetched['commit']}\n"
    f"# Adaptations applied: {', '.join(a['name'] for a in fetched['adaptations'])}\n"
)
atomic_write(Path(snakemake.output.config), header + yaml.safe_dump(dict(snakemake.params.config), sort_keys=False))
