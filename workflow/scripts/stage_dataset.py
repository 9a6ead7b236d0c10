import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir)))
from _adapter import setup

log = setup(snakemake)
from noisyneurosim.neurosim import stage_dataset

stage_dataset(
    checkout=Path(snakemake.input.checkout),
    dataset=snakemake.wildcards.dataset,
    root=Path(snakemake.output.flag).parent,
    python=snakemake.params.python,
    download=snakemake.params.download,
    flag=Path(snakemake.output.flag),
    log_path=Path(snakemake.log[0]),
)
