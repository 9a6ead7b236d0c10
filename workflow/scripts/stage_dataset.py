from _adapter import setup

setup(snakemake)
from pathlib import Path

from noisyneurosim.neurosim import stage_dataset

stage_dataset(
    checkout=Path(snakemake.input.checkout),
    dataset=snakemake.wildcards.dataset,
    root=Path(snakemake.params.root),
    python=snakemake.params.python,
    download=snakemake.params.download,
    synthetic=snakemake.params.synthetic,
    flag=Path(snakemake.output.flag),
    stdout_path=Path(snakemake.log.stdout),
    stderr_path=Path(snakemake.log.stderr),
)
