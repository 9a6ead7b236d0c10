from _adapter import setup

setup(snakemake)
import json
from pathlib import Path

import yaml

from noisyneurosim.files import atomic_write

# one record per NeuroSim version the sweep runs on
fetched = [json.loads(Path(f).read_text()) for f in snakemake.input.adaptations]
header = f"# Configuration as checked, from {snakemake.params.source}\n" + "".join(
    f"# NeuroSim commit: {f['commit']}\n"
    + "".join(f"# Overlaid (a group's own file): {o['file']} sha256 {o['sha256']}\n" for o in f.get("overlay", []))
    + f"# Adaptations applied: {', '.join(a['name'] for a in f['adaptations'])}\n"
    for f in fetched
)
atomic_write(Path(snakemake.output.config), header + yaml.safe_dump(dict(snakemake.params.config), sort_keys=False))
