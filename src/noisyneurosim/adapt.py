"""Adapting a fetched NeuroSim checkout for running here.

Each adaptation names the file and a pattern it must find; if upstream no
longer contains it, nothing is patched and the run stops, naming the file,
the anchor and the commit. The list applied is recorded beside the checkout.
Files keep their line endings (upstream's models are CRLF), so a diff of the
adapted copy shows the edits and nothing else.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from .param_patch import UpstreamChanged

ROOT = "Inference_pytorch"
CORE = f"{ROOT}/NeuroSIM"


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
    # noisyneurosim: evaluate only N test images from image NNS_TEST_OFFSET on, in the test set's
    # order (max_test_images; one job of a split run: accuracy.images_per_job)
    _nns_first = int(_nns_os.environ.get('NNS_TEST_OFFSET', '0'))
    _nns_end = min(len(test_loader.dataset), _nns_first + int(_nns_os.environ['NNS_MAX_TEST_IMAGES']))
    test_loader = torch.utils.data.DataLoader(
        torch.utils.data.Subset(test_loader.dataset, range(_nns_first, _nns_end)),
        batch_size=args.batch_size, shuffle=False, num_workers=1)
\\g<0>"""

SYNTHETIC_DATASET = """\\g<0>
import os as _nns_os
if _nns_os.environ.get('NNS_SYNTHETIC') == '1':
    # noisyneurosim: a generated test set (datasets.synthetic) cannot carry CIFAR's published md5s
    import torchvision.datasets.cifar as _nns_cifar
    _nns_cifar.check_integrity = lambda fpath, md5=None: _nns_os.path.isfile(fpath)"""

MAP_LOCATION = "torch.load(\\1, map_location=('cuda' if torch.cuda.is_available() else 'cpu'))"

ADAPTATIONS = (
    Adaptation(
        "no-estimate-inside-inference",
        "inference.py",
        r"^call\(\[\"/bin/bash\",.*trace_command\.sh.*\)[ \t]*(?=\r?$)",
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
        "no-traces-in-later-jobs",
        "inference.py",
        r"^([ \t]*)if i==0:(?=[ \t]*\r?\n[ \t]*(hook_handle_list = hook\.hardware_evaluation|hook\.remove_hook_list))",
        "\\1if i==0 and os.environ.get('NNS_NO_TRACES') != '1':  # noisyneurosim: only a split run's first job traces",
        "the jobs after the first of a split run write no layer traces (NNS_NO_TRACES); the estimate uses the first's",
        minimum=2,
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
        "synthetic-test-set",
        "models/dataset.py",
        r"^from torchvision import datasets, transforms[ \t]*(?=\r?$)",
        SYNTHETIC_DATASET,
        "with datasets.synthetic, torchvision reads the generated set without comparing it with CIFAR's md5s",
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


def _newline(text: str) -> str:
    return "\r\n" if text.count("\r\n") * 2 > text.count("\n") else "\n"


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
            with open(path, newline="") as fh:  # as it is: no newline translation
                texts[a.file] = fh.read()
        text = texts[a.file]
        rx = re.compile(a.anchor, re.MULTILINE)
        count = len(rx.findall(text))
        if count < a.minimum:
            raise UpstreamChanged(
                f"upstream changed: {a.anchor!r} not found in {ROOT}/{a.file} "
                f"({count} of at least {a.minimum}; commit {commit})"
            )
        # inserted lines end the way the file's lines end
        texts[a.file] = rx.sub(a.replacement.replace("\n", _newline(text)), text)
        plan.append({"name": a.name, "file": f"{ROOT}/{a.file}", "anchor": a.anchor, "count": count, "why": a.why})
    for name, text in texts.items():
        with open(root / name, "w", newline="") as fh:
            fh.write(text)
    return plan


def write_record(path: Path, commit: str, applied: list[dict]) -> None:
    path.write_text(json.dumps({"commit": commit, "adaptations": applied}, indent=2))
