"""Adapting a fetched NeuroSim checkout for running here.

Each adaptation names the file and a pattern it must find; if upstream no
longer contains it, nothing is patched and the run stops, naming the file,
the anchor and the commit. The list applied is recorded beside the checkout.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from .param_patch import UpstreamChanged

ROOT = "Inference_pytorch"


@dataclass(frozen=True)
class Adaptation:
    name: str
    file: str  # relative to Inference_pytorch/
    anchor: str  # regular expression, multiline
    replacement: str
    why: str
    minimum: int = 1


LIMIT_TEST_IMAGES = """\
import os as _nns_os
if _nns_os.environ.get('NNS_MAX_TEST_IMAGES'):
    # noisyneurosim: evaluate only the first N test images (demo and smoke runs)
    test_loader = torch.utils.data.DataLoader(
        torch.utils.data.Subset(test_loader.dataset, range(min(len(test_loader.dataset), int(_nns_os.environ['NNS_MAX_TEST_IMAGES'])))),
        batch_size=args.batch_size, shuffle=False, num_workers=1)
\\g<0>"""

MAP_LOCATION = "torch.load(\\1, map_location=('cuda' if torch.cuda.is_available() else 'cpu'))"

ADAPTATIONS = (
    Adaptation(
        "no-estimate-inside-inference",
        "inference.py",
        r"^call\(\[\"/bin/bash\",.*trace_command\.sh.*\)[ \t]*$",
        "pass  # noisyneurosim: the hardware estimate runs as its own job, with its exit code checked",
        "inference.py runs the C++ core itself and ignores its exit code",
    ),
    Adaptation(
        "limit-test-images",
        "inference.py",
        r"^assert args\.model in ",
        LIMIT_TEST_IMAGES,
        "an optional limit on test images (NNS_MAX_TEST_IMAGES)",
    ),
    Adaptation(
        "staged-cifar",
        "models/dataset.py",
        r"data_root='/tmp/public_dataset/pytorch'",
        "data_root=os.environ.get('NNS_DATA_ROOT', '/tmp/public_dataset/pytorch')",
        "read CIFAR from the staged location",
        minimum=2,
    ),
    Adaptation(
        "staged-imagenet",
        "models/dataset.py",
        r"data_root='/home/shimeng/Documents/Data'",
        "data_root=os.environ.get('NNS_IMAGENET_ROOT', '/home/shimeng/Documents/Data')",
        "read ImageNet from the staged location instead of a hard-coded home folder",
    ),
    Adaptation(
        "no-download-in-jobs",
        "models/dataset.py",
        r"download=True",
        "download=os.environ.get('NNS_DOWNLOAD') == '1'",
        "datasets are downloaded once by a local rule, never by a compute job",
        minimum=2,
    ),
    Adaptation(
        "noise-on-tensor-device",
        "modules/quantization_cpu_np_infer.py",
        r"device='cuda'",
        "device=remainderQ.device",
        "variation noise was created on a hard-coded CUDA device",
    ),
    *(
        Adaptation(
            f"checkpoint-map-location-{model}",
            f"models/{model}.py",
            r"torch\.load\((pretrained)\)",
            MAP_LOCATION,
            "checkpoints were saved on cuda:0; load them onto the available device",
        )
        for model in ("VGG", "DenseNet", "ResNet")
    ),
    Adaptation(
        "resnet-torchvision-import",
        "models/ResNet.py",
        r"^from torchvision\.models\.utils import load_state_dict_from_url",
        "from torch.hub import load_state_dict_from_url",
        "torchvision 0.13 and later no longer has torchvision.models.utils",
    ),
)


def apply_adaptations(checkout: Path, commit: str) -> list[dict]:
    """Check every anchor first, then patch; return the record of what was applied."""
    root = Path(checkout) / ROOT
    texts: dict[str, str] = {}
    plan = []
    for a in ADAPTATIONS:
        path = root / a.file
        if a.file not in texts:
            if not path.is_file():
                raise UpstreamChanged(f"upstream changed: {ROOT}/{a.file} not found (commit {commit})")
            texts[a.file] = path.read_text()
        rx = re.compile(a.anchor, re.MULTILINE)
        count = len(rx.findall(texts[a.file]))
        if count < a.minimum:
            raise UpstreamChanged(
                f"upstream changed: {a.anchor!r} not found in {ROOT}/{a.file} "
                f"({count} of at least {a.minimum}; commit {commit})"
            )
        texts[a.file] = rx.sub(a.replacement, texts[a.file])
        plan.append({"name": a.name, "file": f"{ROOT}/{a.file}", "anchor": a.anchor, "count": count, "why": a.why})
    for name, text in texts.items():
        (root / name).write_text(text)
    return plan


def write_record(path: Path, commit: str, applied: list[dict]) -> None:
    path.write_text(json.dumps({"commit": commit, "adaptations": applied}, indent=2))
