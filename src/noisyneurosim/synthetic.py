"""A deterministic synthetic CIFAR test set in torchvision's on-disk layout.

For smoke runs where the real dataset cannot be had (offline machines, a first
check on a cluster): NeuroSim's own loader reads it through torchvision, so the
whole chain runs for real, but the images are noise and the accuracy means
nothing. Every output of a point that used it says so.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np

from .files import atomic_write_bytes

# torchvision's layout per dataset: folder, training files, test file, meta file and its key, label key, classes
LAYOUTS = {
    "cifar10": {
        "folder": "cifar-10-batches-py",
        "train": [f"data_batch_{i}" for i in range(1, 6)],
        "test": "test_batch",
        "meta": ("batches.meta", "label_names"),
        "labels": "labels",
        "classes": 10,
    },
    "cifar100": {
        "folder": "cifar-100-python",
        "train": ["train"],
        "test": "test",
        "meta": ("meta", "fine_label_names"),
        "labels": "fine_labels",
        "classes": 100,
    },
}
TRAIN_IMAGES_PER_FILE = 10  # training files must exist (the loader opens them), content is never used
MARKER = "NOISYNEUROSIM-SYNTHETIC"


def _batch(rng: np.random.Generator, count: int, layout: dict, name: str) -> bytes:
    data = rng.integers(0, 256, size=(count, 3 * 32 * 32), dtype=np.uint8)
    labels = rng.integers(0, layout["classes"], size=count).tolist()
    entry = {
        "batch_label": f"{MARKER} {name}",
        "data": data,
        layout["labels"]: labels,
        "filenames": [f"synthetic_{i}.png" for i in range(count)],
    }
    return pickle.dumps(entry, protocol=2)


def write(dataset: str, root: Path, test_images: int, seed: int = 0) -> Path:
    """Write the synthetic set for `dataset` under root/<dataset>-data; return that folder.

    The same (dataset, test_images, seed) always gives the same bytes.
    """
    if dataset not in LAYOUTS:
        raise ValueError(f"no synthetic layout for {dataset!r}; synthetic test sets exist for {', '.join(LAYOUTS)}")
    layout = LAYOUTS[dataset]
    folder = Path(root) / f"{dataset}-data" / layout["folder"]
    rng = np.random.default_rng([seed, test_images, layout["classes"]])
    for name in layout["train"]:
        atomic_write_bytes(folder / name, _batch(rng, TRAIN_IMAGES_PER_FILE, layout, name))
    atomic_write_bytes(folder / layout["test"], _batch(rng, test_images, layout, layout["test"]))
    meta_file, meta_key = layout["meta"]
    meta = {meta_key: [f"synthetic class {i}" for i in range(layout["classes"])], "num_cases_per_batch": test_images}
    atomic_write_bytes(folder / meta_file, pickle.dumps(meta, protocol=2))
    (folder / "README").write_text(
        f"{MARKER}: {test_images} random test images for smoke runs (seed {seed}). "
        "Accuracy measured on them means nothing.\n"
    )
    return folder.parent
