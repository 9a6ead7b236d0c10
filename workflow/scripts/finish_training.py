from _adapter import setup

setup(snakemake)
from pathlib import Path

from noisyneurosim.files import read_json
from noisyneurosim.training import finish

record = Path(snakemake.output.record)
finish(
    workdir=Path(snakemake.params.workdir),
    last_job=read_json(Path(snakemake.input.last)),
    record_path=record,
    curve_path=Path(snakemake.output.curve),
    folder=record.parent,
)
