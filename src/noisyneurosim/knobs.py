"""The catalogue of knobs a study can set, under NeuroSim's own names.

Two sides: ``inference`` knobs are arguments of ``inference.py`` (the accuracy
model, and through the layer traces the C++ core's argv); ``param`` knobs are
assignments in the ``Param::Param()`` constructor of ``NeuroSIM/Param.cpp``
(compiled in). Coupled knobs set one value on each side, because upstream
keeps two copies of these settings that do not agree out of the box.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

INFERENCE = "inference"
PARAM = "param"
TRAIN = "train"  # arguments of train.py, written under `train:` and named train.<name> in the tables

SUPPORTED_TECHNODES = (130, 90, 65, 45, 32, 22, 14, 10, 7, 5, 3, 2, 1)

# Catalogue facts about models and datasets (NeuroSim's shipped checkpoints and loaders).
MODEL_DATASETS = {"VGG8": ("cifar10",), "DenseNet40": ("cifar10",), "ResNet18": ("imagenet",)}
# What the workflow can train (upstream train.py): inference.py loads VGG8 and DenseNet40 from
# log/<model>.pth, where a trained checkpoint can be put, but ResNet18 from torchvision's URL.
TRAINABLE = {"VGG8": ("cifar10", "cifar100"), "DenseNet40": ("cifar10", "cifar100")}
CLASSES = {"cifar10": 10, "cifar100": 100, "imagenet": 1000}
# The inference knobs that also shape a trained network (read from upstream train.py and its models:
# the data and network, WAGE or not, and the four word lengths the layers and the gradient
# quantiser use). The hardware arguments of train.py only matter with --inference 1, which
# training never uses; every other knob acts on inference or the C++ core only.
TRAINING_SHAPED_BY = ("dataset", "model", "mode", "wl_weight", "wl_activate", "wl_error", "wl_grad")
TEST_IMAGES = {"cifar10": 10000, "cifar100": 10000, "imagenet": 50000}
TRAIN_IMAGES = {"cifar10": 50000, "cifar100": 50000, "imagenet": 1281167}
# Knobs whose effect on accuracy exists only in VGG8 + WAGE + inference 1.
CROSSBAR_ONLY_KNOBS = ("vari", "onoffratio", "cellBit", "subArray", "parallelRead")
# Names users reach for that are not knobs, and what to use instead.
TORCH_SEED_LIMIT = 2**63  # torch.manual_seed refuses larger seeds (NeuroSim's scripts seed torch)
NOT_KNOBS = {"numRowSubArray": "set by subArray", "seed": "use the study's seeds list (training: train.seed)"}
# Said after a rejected value of these knobs: what NeuroSim itself would do with it.
# a number as YAML 1.1 leaves it in text (1e9, 1e3): read as a number wherever the config takes one
FLOAT_TEXT = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
REJECTION_NOTES = {"technode": "NeuroSim exits with code 255 and prints nothing for other nodes"}


@dataclass(frozen=True)
class Knob:
    name: str
    side: str
    kind: str  # "int", "float", "bool", "choice" (strings for inference, ints for param), "epochs" (a list)
    default: Any
    doc: str
    unit: str = ""
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: float | None = None
    choices: tuple = ()
    names: dict = field(default_factory=dict)  # readable name -> enumeration member
    log_scale: bool = False
    ideal: Any = None  # a non-ideality's value where it is absent: the run a noise study is read against

    def missing_in(self, text: str) -> str:
        """What the NeuroSim file this knob acts in lacks for it ("" where it has it): inference.py's argument,
        Param.cpp's first unconditional assignment."""
        import re

        from .param_patch import find_unconditional

        if self.side == INFERENCE:
            if re.search(rf"add_argument\(\s*['\"]--{re.escape(self.name)}['\"]", text):
                return ""
            return f"no argument --{self.name} (parser.add_argument('--{self.name}', ...)) in inference.py"
        if find_unconditional(text.splitlines(keepends=True), self.name) is not None:
            return ""
        return f"no unconditional assignment of {self.name} in Param.cpp (a line '{self.name} = <value>;')"

    def describe_allowed(self) -> str:
        if self.names:
            return ", ".join(f"{k} ({v})" for k, v in self.names.items())
        if self.choices:
            return ", ".join(str(c) for c in self.choices)
        if self.kind == "bool":
            return "true, false"
        if self.kind == "epochs":
            return "a list of epochs (integers >= 0), or them as text: 140,180"
        parts = []
        if self.minimum is not None:
            parts.append(f">= {self.minimum:g}")
        if self.exclusive_minimum is not None:
            parts.append(f"> {self.exclusive_minimum:g}")
        if self.maximum is not None:
            parts.append(f"<= {self.maximum:g}")
        return f"{self.kind} " + " and ".join(parts) if parts else self.kind


def _k(name, side, kind, default, doc, **kw) -> Knob:
    return Knob(name=name, side=side, kind=kind, default=default, doc=doc, **kw)


_INFERENCE_KNOBS = [
    _k("dataset", INFERENCE, "choice", "cifar10", "Test set.", choices=("cifar10", "cifar100", "imagenet")),
    _k(
        "model",
        INFERENCE,
        "choice",
        "VGG8",
        "Network (with its shipped checkpoint).",
        choices=("VGG8", "DenseNet40", "ResNet18"),
    ),
    _k("mode", INFERENCE, "choice", "WAGE", "WAGE (8-bit trained) or FP.", choices=("WAGE", "FP")),
    _k(
        "batch_size", INFERENCE, "int", 200, "Test batch size; the first image of the first batch is traced.", minimum=1
    ),
    _k(
        "wl_weight",
        INFERENCE,
        "int",
        8,
        "Weight precision; also the C++ core's synapse precision (argv).",
        unit="bit",
        minimum=1,
        maximum=16,
    ),
    _k(
        "wl_activate",
        INFERENCE,
        "int",
        8,
        "Activation precision; also the C++ core's input precision (argv).",
        unit="bit",
        minimum=1,
        maximum=16,
    ),
    _k(
        "wl_grad",
        INFERENCE,
        "int",
        8,
        "Gradient precision: shapes a trained checkpoint (train.py); inference.py accepts and ignores it.",
        unit="bit",
        minimum=1,
        maximum=32,
    ),
    _k(
        "wl_error",
        INFERENCE,
        "int",
        8,
        "Error precision: shapes a trained checkpoint (train.py); inference.py accepts and ignores it.",
        unit="bit",
        minimum=1,
        maximum=32,
    ),
    _k(
        "inference",
        INFERENCE,
        "int",
        1,
        "1: hardware-aware inference with the non-ideality model; 0: plain quantised inference.",
        choices=(0, 1),
    ),
    _k(
        "subArray",
        INFERENCE,
        "int",
        128,
        "Sub-array size; also numColSubArray in Param.cpp (square array) and rows via argv.",
        unit="rows",
        minimum=8,
        maximum=4096,
    ),
    _k(
        "parallelRead",
        INFERENCE,
        "int",
        128,
        "Rows read in parallel (<= subArray).",
        unit="rows",
        minimum=1,
        maximum=4096,
    ),
    _k(
        "ADCprecision",
        INFERENCE,
        "int",
        5,
        "ADC resolution; also levelOutput = 2^bits in Param.cpp.",
        unit="bit",
        minimum=1,
        maximum=12,
    ),
    _k(
        "cellBit",
        INFERENCE,
        "int",
        1,
        "Bits per memory cell; set on both sides (SRAM always uses 1).",
        unit="bit",
        minimum=1,
        maximum=8,
    ),
    _k(
        "onoffratio",
        INFERENCE,
        "float",
        10.0,
        "Device on/off ratio; also resistanceOff = resistanceOn * ratio in Param.cpp.",
        exclusive_minimum=1,
        log_scale=True,
    ),
    _k(
        "vari",
        INFERENCE,
        "float",
        0.0,
        "Relative sigma of multiplicative conductance variation.",
        minimum=0,
        maximum=10,
        ideal=0.0,
    ),
    _k("t", INFERENCE, "float", 0.0, "Retention time (0: no drift).", unit="s", minimum=0, log_scale=True, ideal=0.0),
    _k("v", INFERENCE, "float", 0.0, "Drift coefficient (0: no drift).", minimum=0, ideal=0.0),
    _k("detect", INFERENCE, "int", 0, "1: fixed-direction drift; 0: random drift.", choices=(0, 1)),
    _k("target", INFERENCE, "float", 0.0, "Drift target for fixed-direction drift.", minimum=0, maximum=1),
]

_PARAM_KNOBS = [
    _k(
        "operationmode",
        PARAM,
        "choice",
        2,
        "Array operation mode.",
        choices=(1, 2, 3, 4, 5, 6),
        names={
            "conventionalSequential": 1,
            "conventionalParallel": 2,
            "BNNsequential": 3,
            "BNNparallel": 4,
            "XNORsequential": 5,
            "XNORparallel": 6,
        },
    ),
    _k("memcelltype", PARAM, "choice", 1, "Memory cell.", choices=(1, 2, 3), names={"SRAM": 1, "RRAM": 2, "FeFET": 3}),
    _k(
        "accesstype",
        PARAM,
        "choice",
        1,
        "Cell access device.",
        choices=(1, 2, 3, 4),
        names={"CMOS": 1, "BJT": 2, "diode": 3, "none": 4},
    ),
    _k("transistortype", PARAM, "choice", 1, "Transistor type.", choices=(1,), names={"conventional": 1}),
    _k("deviceroadmap", PARAM, "choice", 2, "Device roadmap.", choices=(1, 2), names={"HP": 1, "LSTP": 2}),
    _k("globalBusType", PARAM, "bool", False, "false: X-Y bus; true: H-tree."),
    _k("globalBufferType", PARAM, "bool", False, "false: register file; true: SRAM."),
    _k("globalBufferCoreSizeRow", PARAM, "int", 128, "Global buffer core rows.", minimum=1),
    _k("globalBufferCoreSizeCol", PARAM, "int", 128, "Global buffer core columns.", minimum=1),
    _k("tileBufferType", PARAM, "bool", False, "false: register file; true: SRAM."),
    _k("tileBufferCoreSizeRow", PARAM, "int", 32, "Tile buffer core rows.", minimum=1),
    _k("tileBufferCoreSizeCol", PARAM, "int", 32, "Tile buffer core columns.", minimum=1),
    _k("peBufferType", PARAM, "bool", False, "false: register file; true: SRAM."),
    _k("chipActivation", PARAM, "bool", True, "false: activation inside the tile; true: outside."),
    _k("reLu", PARAM, "bool", True, "false: sigmoid; true: ReLU."),
    _k("novelMapping", PARAM, "bool", True, "false: conventional mapping; true: novel mapping."),
    _k("SARADC", PARAM, "bool", False, "false: multilevel sense amplifier; true: SAR ADC."),
    _k("currentMode", PARAM, "bool", True, "false: MLSA uses voltage sense amp; true: current sense amp."),
    _k("pipeline", PARAM, "bool", True, "false: layer-by-layer; true: pipelined."),
    _k("speedUpDegree", PARAM, "int", 8, "Requested speed-up degree (capped by NeuroSim).", minimum=1),
    _k("validated", PARAM, "bool", True, "Apply silicon calibration factors."),
    _k("synchronous", PARAM, "bool", True, "true: synchronous, clock from sensing delay."),
    _k("clkFreq", PARAM, "float", 1e9, "Clock frequency.", unit="Hz", exclusive_minimum=0, log_scale=True),
    _k("temp", PARAM, "int", 300, "Temperature.", unit="K", minimum=200, maximum=450),
    _k("technode", PARAM, "choice", 22, "Technology node.", unit="nm", choices=SUPPORTED_TECHNODES, log_scale=True),
    _k("Activationtype", PARAM, "bool", True, "true: SRAM activation; false: RRAM."),
    _k("inputtoggle", PARAM, "float", 0.18, "Input bit toggling rate for interconnect energy.", minimum=0, maximum=1),
    _k("outputtoggle", PARAM, "float", 0.5, "Output bit toggling rate.", minimum=0, maximum=1),
    _k(
        "numColSubArray",
        PARAM,
        "int",
        128,
        "Sub-array columns (coupled to subArray).",
        unit="columns",
        minimum=8,
        maximum=4096,
    ),
    _k("numColMuxed", PARAM, "int", 8, "Columns sharing one ADC (1: no column mux).", minimum=1, maximum=256),
    _k("levelOutput", PARAM, "int", 32, "ADC output levels (coupled: 2^ADCprecision).", minimum=2, maximum=4096),
    _k("resistanceOn", PARAM, "float", 100e3, "On-state resistance.", unit="Ohm", exclusive_minimum=0, log_scale=True),
    _k(
        "resistanceOff",
        PARAM,
        "float",
        100e3 * 17,
        "Off-state resistance (coupled: resistanceOn * onoffratio).",
        unit="Ohm",
        exclusive_minimum=0,
        log_scale=True,
    ),
    _k("readPulseWidth", PARAM, "float", 10e-9, "Read pulse width.", unit="s", exclusive_minimum=0, log_scale=True),
    _k(
        "accessVoltage",
        PARAM,
        "float",
        1.1,
        "Gate voltage of the 1T1R access transistor.",
        unit="V",
        exclusive_minimum=0,
    ),
    _k("writeVoltage", PARAM, "float", 2.0, "Write voltage.", unit="V", exclusive_minimum=0),
]

# train.py's own arguments and defaults; `checkpoint` chooses what inference loads
_TRAIN_KNOBS = [
    _k("train.epochs", TRAIN, "int", 200, "Epochs to train.", minimum=1, maximum=100000),
    _k("train.batch_size", TRAIN, "int", 64, "Training batch size.", minimum=1),
    _k(
        "train.lr",
        TRAIN,
        "float",
        0.01,
        "SGD learning rate (momentum 0.9, weight decay 1e-4).",
        exclusive_minimum=0,
        log_scale=True,
    ),
    _k(
        "train.decreasing_lr",
        TRAIN,
        "epochs",
        "140,180",
        "Epochs at which grad_scale is divided by 8 (WAGE's schedule).",
    ),
    _k(
        "train.grad_scale",
        TRAIN,
        "float",
        8.0,
        "WAGE gradient scale at the start.",
        exclusive_minimum=0,
        log_scale=True,
    ),
    _k(
        "train.seed",
        TRAIN,
        "int",
        117,
        "Random seed of training (initial weights, shuffling, rounding).",
        minimum=0,
        maximum=TORCH_SEED_LIMIT - 1,
    ),
    _k(
        "train.checkpoint",
        TRAIN,
        "choice",
        "best",
        "What inference loads: the best test accuracy's epoch, or the last.",
        choices=("best", "last"),
    ),
]

KNOBS: dict[str, Knob] = {k.name: k for k in _INFERENCE_KNOBS}
# cellBit is one knob that sets both sides; the Param.cpp name is the same.
KNOBS.update({k.name: k for k in _PARAM_KNOBS})
# lists, so that a group's own knobs (register_extra) reach every module that imported them
PARAM_NAMES = [*(k.name for k in _PARAM_KNOBS), "cellBit"]
INFERENCE_NAMES = [k.name for k in _INFERENCE_KNOBS]
KNOBS.update({k.name: k for k in _TRAIN_KNOBS})
BUILT_IN = dict(KNOBS)
_BUILT_IN_SIDES = {INFERENCE: tuple(INFERENCE_NAMES), PARAM: tuple(PARAM_NAMES)}
EXTRA_KEY = "extra_knobs"  # top level: a group's own knobs (an inference.py argument or a Param.cpp variable)
EXTRA_TYPES = ("int", "float")
TRAIN_PREFIX = "train."
TRAIN_NAMES = tuple(k.name for k in _TRAIN_KNOBS)
# train.py's arguments: every training knob but the choice of checkpoint
TRAIN_ARGUMENTS = tuple(n for n in TRAIN_NAMES if n != "train.checkpoint")

# accuracy-side knob -> (Param.cpp name, how the hardware value follows from the point)
COUPLINGS = {
    "ADCprecision": "levelOutput",
    "onoffratio": "resistanceOff",
    "subArray": "numColSubArray",
}


def trained(knobs: dict) -> bool:
    """Whether a point's checkpoint is trained by the workflow (its knobs include the training knobs)."""
    return TRAIN_NAMES[0] in knobs


def coupled_value(accuracy_knob: str, point: dict) -> Any:
    if accuracy_knob == "ADCprecision":
        return 2 ** int(point["ADCprecision"])
    if accuracy_knob == "onoffratio":
        return float(point["resistanceOn"]) * float(point["onoffratio"])
    if accuracy_knob == "subArray":
        return int(point["subArray"])
    raise KeyError(accuracy_knob)


def values_agree(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return math.isclose(float(a), float(b), rel_tol=1e-9)
    return a == b


def label(name: str) -> str:
    """Axis label users know: NeuroSim's name plus unit."""
    knob = KNOBS.get(name)
    if knob is None or not knob.unit:
        return name
    return f"{name} [{knob.unit}]"


def display(name: str, value) -> str:
    """A knob value as users write it: enumeration names, compact numbers."""
    knob = KNOBS.get(name)
    names = {v: k for k, v in knob.names.items()} if knob else {}
    if value in names and not isinstance(value, bool):
        return names[value]
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def extra_knobs(mapping: dict | None) -> tuple[Knob, ...]:
    """A group's own knobs from a checked extra_knobs mapping: name -> side, type, default, range, unit, doc."""
    out = []
    for name, spec in (mapping or {}).items():
        kind = spec["type"]
        cast = int if kind == "int" else float
        out.append(
            _k(
                name,
                spec["side"],
                kind,
                cast(spec["default"]),
                spec.get("doc")
                or f"A group's own {'inference.py argument' if spec['side'] == INFERENCE else 'Param.cpp variable'}.",
                unit=spec.get("unit", ""),
                minimum=spec.get("minimum"),
                maximum=spec.get("maximum"),
            )
        )
    return tuple(out)


def register_extra(extras: tuple[Knob, ...]) -> None:
    """The catalogue for this config: the built-in knobs and these (those of a config read before leave it)."""
    KNOBS.clear()
    KNOBS.update(BUILT_IN)
    KNOBS.update({k.name: k for k in extras})
    for side, names in ((INFERENCE, INFERENCE_NAMES), (PARAM, PARAM_NAMES)):
        names[:] = [*_BUILT_IN_SIDES[side], *(k.name for k in extras if k.side == side)]


def extras() -> list[Knob]:
    """The knobs of this config that are not built in (a group's own: extra_knobs)."""
    return [k for name, k in KNOBS.items() if name not in BUILT_IN]
