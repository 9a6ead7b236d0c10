"""Which figures a study gets; light enough to import while Snakemake plans (no plotting libraries)."""

from .knobs import INFERENCE_NAMES, TRAIN_NAMES

PLOT_KINDS = ("versions", "accuracy", "hardware", "pareto", "heatmap", "breakdown", "layers", "training")
# Knobs that change only the accuracy model (training knobs: through the checkpoint): plotting
# hardware metrics against them says nothing.
ACCURACY_ONLY = {"vari", "t", "v", "detect", "target", "batch_size", "dataset", "mode", "inference", *TRAIN_NAMES}


def applicable(axes, trains: bool = False, compares: bool = False) -> list[str]:
    """Which kinds of figure a study with these axes calls for (learning curves: a study that trains; the
    versions side by side: a study that names several NeuroSim versions)."""
    kinds = {"pareto", "breakdown", "layers"}
    if compares:
        kinds.add("versions")
    if trains:
        kinds.add("training")
    if any(k in INFERENCE_NAMES or k in TRAIN_NAMES for k in axes):
        kinds.add("accuracy")
    if any(k not in ACCURACY_ONLY for k in axes):
        kinds.add("hardware")
    if len(axes) >= 2:
        kinds.add("heatmap")
    return [k for k in PLOT_KINDS if k in kinds]
