from _adapter import setup

setup(snakemake)
import json
from pathlib import Path

from noisyneurosim import paths
from noisyneurosim.files import read_json, write_json
from noisyneurosim.precision import Split, pool

parts = [read_json(p) or {"status": "failed", "reason": f"{p}: unreadable"} for p in snakemake.input.parts]
acc = snakemake.wildcards.acc


def log_of(part: int) -> str:
    return (
        paths.INFERENCE_STDERR.format(acc=acc) if part == 0 else paths.INFERENCE_PART_STDERR.format(acc=acc, part=part)
    )


result = pool(
    parts, Split(**snakemake.params.split), snakemake.params.population, log_of, test_set=snakemake.params.test_set
)
write_json(Path(snakemake.output.pooled), {"args": json.loads(snakemake.params.args), **result})
