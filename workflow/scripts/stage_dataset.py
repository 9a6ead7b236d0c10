from _adapter import setup

setup(snakemake)
from pathlib import Path

from noisyneurosim.neurosim import stage_dataset
from noisyneurosim.settings import Settings

settings = Settings.from_config(snakemake.config)  # where the data lives, the interpreter: not params
stage_dataset(
    checkout=Path(snakemake.input.checkout),
    dataset=snakemake.wildcards.dataset,
    root=Path(settings.data_root),
    python=settings.python_command,
    download=snakemake.params.download,
    synthetic=snakemake.params.synthetic,
    flag=Path(snakemake.output.flag),
    stdout_path=Path(snakemake.log.stdout),
    stderr_path=Path(snakemake.log.stderr),
)
