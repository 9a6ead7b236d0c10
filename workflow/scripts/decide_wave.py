from _adapter import setup

log = setup(snakemake)
from pathlib import Path

from noisyneurosim.files import read_json, write_json
from noisyneurosim.precision import Split, decide

decision = decide(
    [read_json(p) or {} for p in snakemake.input.parts],
    Split(**snakemake.params.split),
    snakemake.params.population,
    snakemake.params.test_set,
)
log.info("wave %s: %s", snakemake.wildcards.wave, decision)
write_json(
    Path(snakemake.output.decision),
    {"wave": int(snakemake.wildcards.wave), "parts": len(snakemake.input.parts), **decision},
)
