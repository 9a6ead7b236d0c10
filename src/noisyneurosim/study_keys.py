"""The keys of a study and of its `search:` mapping: one catalogue (type, default, bounds, doc) that the
checks (config.py, search.py), the schema and config/README.md's tables read, as knobs.py is for knobs.

config/README.md's rows are these entries' `row()`; tests/test_docs_and_schema.py keeps them equal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import paths
from .checks import TRAIN_KEY
from .knobs import COUPLINGS, TORCH_SEED_LIMIT
from .parse import CHIP_METRICS
from .settings import DEFAULT_SEEDS, GPU_HOUR_IN_CORE_HOURS, VERSIONS_KEY

SEARCH_KEY = "search"
BUDGET_KEYS = ("points", "gpu_hours", "core_hours")
OBJECTIVE_COLUMNS = ("accuracy", *CHIP_METRICS)
DIRECTIONS = {"max": "maximize", "min": "minimize"}
# settings (and inference runs) of one wave: every one becomes jobs of one Snakemake checkpoint
MAX_PER_WAVE = 1000
MAX_RANGE_VALUES = 1000  # one knob's {low, high, step}; a finer axis is a typo, not a design space
SEED_LIMIT = 2**32  # what Optuna's samplers (numpy) accept
# What chooses the inference runs, where the GPU hours go (benchmarks/search.py measures them on four
# spaces): ehvi values each run by the hypervolume its settings are expected to add (acquisition.py, numpy
# only); tpe is Optuna's TPE; gp Optuna's Gaussian-process sampler, which needs torch and scipy
SAMPLERS = {"ehvi": (), "tpe": (), "gp": ("torch", "scipy")}
GP_INSTALL = "pip install 'noisyneurosim[gp]'"


@dataclass(frozen=True)
class Key:
    """One key of a study (or of its search: mapping): what it holds, its default, its bounds, what it means."""

    key: str  # as config/README.md names it: "seeds", "search.seed"
    type: str  # the README's type column
    doc: str  # the README's meaning column
    default: Any = None  # None: none (the key is required, or its absence means something of its own)
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple = ()
    must: str = ""  # what a value must be, where the message says it in one phrase for every wrong value

    @property
    def name(self) -> str:
        return self.key.rpartition(".")[2]

    def row(self) -> str:
        """This key's row in config/README.md: its doc with "{default}" spelled from the default."""
        shown = str(list(self.default) if isinstance(self.default, tuple) else self.default)
        return f"| `{self.key}` | {self.type} | {self.doc.replace('{default}', shown)} |"


def _keys(*keys: Key) -> dict[str, Key]:
    return {k.name: k for k in keys}


STUDY_KEYS = _keys(
    Key("description", "text", "Shown in the report."),
    Key(
        "grid",
        "knob → list",
        "Full factorial over the lists. Every list needs at least one value; repeats are errors.",
    ),
    Key("points", "list of knob mappings", "Extra explicit points (each over `defaults`), added to the grid's."),
    Key(
        "seeds",
        "list of int",
        f"Repeats: each point runs once per seed (`--seed`). Default `{{default}}`. Non-negative and "
        f"below 2**{TORCH_SEED_LIMIT.bit_length() - 1} (what `torch.manual_seed` accepts).",
        default=DEFAULT_SEEDS,
        minimum=0,
        maximum=TORCH_SEED_LIMIT - 1,
    ),
    Key(
        "decouple",
        "list",
        f"Opt out of a coupling for this study: any of {', '.join(f'`{k}`' for k in COUPLINGS)}.",
        default=(),
        choices=tuple(COUPLINGS),
    ),
    Key(
        "accuracy",
        "mapping",
        "This study's own `accuracy.*` keys (above), over the top-level ones. A run shared by two studies with "
        "different targets takes the narrower.",
    ),
    Key(
        TRAIN_KEY,
        "mapping of training knobs",
        "The study's points use checkpoints trained by the workflow with NeuroSim's `train.py` instead of the "
        "shipped ones (see *Training*). Its keys are `train.py`'s own argument names (`epochs`, `lr`, ...), over "
        "`defaults.train`. `train: {}` trains with the defaults. A study without it, and without a `train:` in "
        "its grid or points, uses the shipped checkpoints.",
    ),
    Key(
        VERSIONS_KEY,
        "list of labels",
        "The NeuroSim versions every point of the study runs on: `neurosim.label` and labels of the top-level "
        "`neurosim_versions`, the first being the reference that the others are compared with "
        f"(`{paths.VERSIONS_TABLE}`, the study's `versions` figure, a section of `summary.md`). Each version gets "
        "its own builds and estimates; an inference run is shared between versions whose Python side is the "
        "same (every `.py` file under `Inference_pytorch/` outside `NeuroSIM/`, and the checkpoints in `log/`, "
        "hashed with CRLF read as LF). Its other figures and its best settings are the reference's. Default: "
        "the `neurosim` version alone. A study that trains or searches runs on `neurosim` only.",
    ),
    Key(
        SEARCH_KEY,
        "mapping",
        "Instead of `grid`/`points`: settings proposed in waves by an optimiser until a budget is spent (see "
        "*Search*). A study searches or lists points, not both; a grid beside it is another study (points they "
        "share run once).",
    ),
)

SEARCH_KEYS = _keys(
    Key(
        "search.space",
        "knob → list, or knob → `{low, high, step}`",
        "The knobs searched and their values, checked like a grid's (a range is expanded to its values, at "
        f"most {MAX_RANGE_VALUES:,} per knob). Knobs not in it take `defaults`.",
    ),
    Key(
        "search.objectives",
        "column → `max` or `min`",
        "Numeric `runs.csv` columns to optimise, e.g. `{accuracy: max, tops_per_w: max}`: `accuracy` or any "
        "chip-level metric.",
        choices=tuple(DIRECTIONS),
    ),
    Key(
        "search.constraints",
        "list of text",
        'Conditions a setting must meet to be on the front: `"<column> >= <number>"` or `"<column> <= '
        '<number>"`, e.g. `"accuracy >= 0.88"`.',
        default=(),
    ),
    Key(
        "search.budget",
        "mapping",
        f"When the search stops; one or more of `points` (settings x seeds), `gpu_hours` and `core_hours` "
        f"(charged: a GPU hour counts {GPU_HOUR_IN_CORE_HOURS}), as planned from the `cost` table. Each given "
        "must hold. Numbers may be written `1e3`, as for knobs.",
        choices=BUDGET_KEYS,
    ),
    Key(
        "search.points_per_wave",
        f"int 1-{MAX_PER_WAVE}",
        "Settings proposed per wave (default {default}).",
        default=8,
        minimum=1,
        maximum=MAX_PER_WAVE,
    ),
    Key(
        "search.inference_runs_per_wave",
        f"int 1-{MAX_PER_WAVE}",
        "New inference runs (GPU) a wave may open (default {default}, measured: README, *Search for the front*); its "
        "other settings are hardware values for accuracy settings already run or in the wave, best first (CPU "
        "only). More runs per wave finish sooner on a cluster with the same budget, each chosen knowing less.",
        default=1,
        minimum=1,
        maximum=MAX_PER_WAVE,
    ),
    Key(
        "search.seed",
        f"int, 0 to 2**{SEED_LIMIT.bit_length() - 1} - 1",  # its message's bound, as the README writes it
        "The optimiser's seed (default {default}): the same config and seed propose the same settings.",
        default=0,
        minimum=0,
        maximum=SEED_LIMIT - 1,
        must=f"an integer from 0 to 2**{SEED_LIMIT.bit_length() - 1} - 1",
    ),
    Key(
        "search.sampler",
        ", ".join(f"`{s}`" for s in list(SAMPLERS)[:-1]) + f" or `{list(SAMPLERS)[-1]}`",
        "What chooses the inference runs (default `{default}`, nothing to install): `ehvi` values each candidate run "
        "by the hypervolume its settings (every hardware value) are expected to add to the front, from a Gaussian "
        "process per objective (numpy), after a first run without non-idealities inside each knob's range; "
        "`tpe` is Optuna's TPE over the runs' best values; `gp` Optuna's Gaussian-process sampler, which needs "
        "torch and scipy in the workflow's Python (`pip install -e '.[gp]'`). Hardware values are proposed by TPE "
        "either way. The README's benchmark compares them on four spaces.",
        default="ehvi",
        choices=tuple(SAMPLERS),
    ),
)
REQUIRED_SEARCH_KEYS = ("space", "objectives", "budget")
