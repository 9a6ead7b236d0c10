from _adapter import setup

setup(snakemake)
from pathlib import Path

from noisyneurosim.files import read_json
from noisyneurosim.training import make_view

make_view(
    training_checkout=Path(snakemake.input.checkout),
    record=read_json(Path(snakemake.input.record)),
    choice=snakemake.wildcards.choice,
    model=snakemake.params.model,
    dest=Path(snakemake.output.checkout),
)
