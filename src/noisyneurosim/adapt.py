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
# what the build and the scripts read from every checkout: one missing would fail a job after the GPU
# work before it was paid, so a checkout is checked for them before any job
REQUIRED_FILES = (
    f"{ROOT}/inference.py",
    f"{ROOT}/models/dataset.py",
    f"{CORE}/main.cpp",
    f"{CORE}/makefile",
    f"{CORE}/Param.cpp",
)
# the models whose checkpoint NeuroSim ships in log/ (ResNet18's is downloaded by inference.py)
SHIPPED_CHECKPOINTS = ("VGG8", "DenseNet40")


def missing_files(folder: Path, models=(), shipped=(), training: bool = False) -> list[str]:
    """The files a run of these models needs that the folder lacks: every model's network file, the
    shipped checkpoint of those that use it, train.py where a study trains."""
    need = [
        *REQUIRED_FILES,
        *(f"{CORE}/NetWork_{m}.csv" for m in sorted(models)),
        *(f"{ROOT}/log/{m}.pth" for m in sorted(shipped) if m in SHIPPED_CHECKPOINTS),
        *([f"{ROOT}/train.py"] if training else []),
    ]
    return [name for name in need if not (Path(folder) / name).is_file()]


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

LIMIT_TRAINING_IMAGES = """\
import os as _nns_os
if _nns_os.environ.get('NNS_MAX_TRAIN_IMAGES'):
    # noisyneurosim: train on the first N training images only, shuffled as upstream shuffles (max_train_images)
    train_loader = torch.utils.data.DataLoader(
        torch.utils.data.Subset(train_loader.dataset,
                                range(min(len(train_loader.dataset), int(_nns_os.environ['NNS_MAX_TRAIN_IMAGES'])))),
        batch_size=args.batch_size, shuffle=True, num_workers=1)
if _nns_os.environ.get('NNS_MAX_TEST_IMAGES'):
    # noisyneurosim: test after each epoch on the first N test images only (max_test_images)
    test_loader = torch.utils.data.DataLoader(
        torch.utils.data.Subset(test_loader.dataset,
                                range(min(len(test_loader.dataset), int(_nns_os.environ['NNS_MAX_TEST_IMAGES'])))),
        batch_size=args.batch_size, shuffle=False, num_workers=1)
\\g<0>"""

# Upstream's loop cannot resume. Its `for epoch` line takes its epochs from this generator, which
# gets control back after each complete epoch (trained, saved, tested): it then records the epoch
# and saves what resuming needs, atomically. Nothing inside an epoch changes.
RESUMABLE_TRAINING = """\
import os as _nns_os
def _nns_epochs():
    # noisyneurosim: with NNS_TRAIN_STATE, resume after the last completed epoch (model, optimizer,
    # grad_scale, best accuracy and file, random generators), stop before epoch NNS_STOP_EPOCH (a
    # job of a longer run), record every epoch, stop at a training loss that is not finite
    global best_acc, old_file, grad_scale
    import json as _json, math as _math, shutil as _shutil
    folder = _nns_os.environ.get('NNS_TRAIN_STATE')
    if not folder:
        yield from range(args.epochs)
        return
    state_file = _nns_os.path.join(folder, 'resume.pth')
    start, history, best_epoch = 0, [], None
    if _nns_os.path.isfile(state_file):
        state = torch.load(state_file, map_location='cpu')
        model.load_state_dict(state['model'])
        optimizer.load_state_dict(state['optimizer'])
        torch.set_rng_state(state['rng'])
        if torch.cuda.is_available() and state['cuda_rng'] is not None:
            torch.cuda.set_rng_state_all(state['cuda_rng'])
        start, grad_scale, best_acc, old_file = state['epoch'], state['grad_scale'], state['best_acc'], state['old_file']
        history, best_epoch = state['history'], state['best_epoch']
        logger('noisyneurosim: resuming after epoch {} ({})'.format(start - 1, state_file))
    stop = min(args.epochs, int(_nns_os.environ.get('NNS_STOP_EPOCH', args.epochs)))
    losses = []
    hook = criterion.register_forward_hook(lambda m, i, out: losses.append(out.item()) if model.training else None)

    def replace(path, write):
        write(path + '.part')
        _nns_os.replace(path + '.part', path)

    def write_text(path, text):
        with open(path, 'w') as fh:
            fh.write(text)

    try:
        for epoch in range(start, stop):
            del losses[:]
            began, best_before = time.time(), old_file
            yield epoch
            history.append({'epoch': epoch, 'train_loss': sum(losses) / len(losses) if losses else float('nan'),
                            'test_loss': float(test_loss), 'test_accuracy': float(acc) / 100,
                            'lr': optimizer.param_groups[0]['lr'], 'grad_scale': float(grad_scale),
                            'seconds': time.time() - began})
            if old_file != best_before:  # a new best: a copy under its epoch, which no later epoch deletes
                best_epoch = epoch
                replace(_nns_os.path.join(folder, 'best-{}.pth'.format(epoch)),
                        lambda part: _shutil.copyfile(old_file, part))
            replace(_nns_os.path.join(folder, 'last.pth'),
                    lambda part: _shutil.copyfile(_nns_os.path.join(args.logdir, 'latest.pth'), part))
            state = {'epoch': epoch + 1, 'model': model.state_dict(), 'optimizer': optimizer.state_dict(),
                     'rng': torch.get_rng_state(),
                     'cuda_rng': torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None,
                     'grad_scale': grad_scale, 'best_acc': best_acc, 'old_file': old_file,
                     'best_epoch': best_epoch, 'history': history}
            replace(state_file, lambda part: torch.save(state, part))
            progress = {'epochs_done': epoch + 1, 'epochs': args.epochs, 'best_epoch': best_epoch, 'history': history}
            replace(_nns_os.path.join(folder, 'progress.json'), lambda part: write_text(part, _json.dumps(progress)))
            for name in _nns_os.listdir(folder):  # copies of earlier bests, superseded once the state is saved
                if name.startswith('best-') and name != 'best-{}.pth'.format(best_epoch):
                    _nns_os.remove(_nns_os.path.join(folder, name))
            if not _math.isfinite(history[-1]['train_loss']):
                logger('noisyneurosim: training loss {} in epoch {}: stopped'.format(history[-1]['train_loss'], epoch))
                return
    finally:
        hook.remove()
\\g<0>"""

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


# Applied only where a study trains, to a copy of the adapted checkout (resources/neurosim/<commit>/
# training_checkout) that the training jobs and the inference runs of trained checkpoints use: the
# shipped-checkpoint chain never sees them, and an upstream change here stops only training.
TRAINING_ADAPTATIONS = (
    Adaptation(
        "training-parallel-read-argument",
        "train.py",
        r"^parser\.add_argument\('--subArray',.*?(?=\r?$)",
        "\\g<0>\nparser.add_argument('--parallelRead', type=int, default=128)  # noisyneurosim: as inference.py's",
        "the models read args.parallelRead, which upstream's train.py does not define (it stops with AttributeError)",
    ),
    Adaptation(
        "limit-training-images",
        "train.py",
        r"^assert args\.model in ",
        LIMIT_TRAINING_IMAGES,
        "optional limits on training and test images per epoch (NNS_MAX_TRAIN_IMAGES, NNS_MAX_TEST_IMAGES)",
    ),
    Adaptation(
        "resumable-training",
        "train.py",
        r"^best_acc, old_file = 0, None[ \t]*(?=\r?$)",
        RESUMABLE_TRAINING,
        "training resumes after its last completed epoch and runs in jobs of some epochs each (NNS_TRAIN_STATE, "
        "NNS_STOP_EPOCH), recording every epoch",
    ),
    Adaptation(
        "resumable-training-loop",
        "train.py",
        r"^([ \t]*)for epoch in range\(args\.epochs\):",
        "\\1for epoch in _nns_epochs():  # noisyneurosim: resumable (see _nns_epochs)",
        "upstream's epoch loop takes its epochs from _nns_epochs",
    ),
    Adaptation(
        "rounding-noise-on-tensor-device",
        "utee/wage_quantizer.py",
        r"torch\.cuda\.FloatTensor\(\*x\.size\(\)\)\.uniform_\(\)",
        "(torch.cuda.FloatTensor(*x.size()) if x.is_cuda else torch.FloatTensor(*x.size())).uniform_()",
        "training's stochastic rounding made its noise on a hard-coded CUDA device; on a GPU it still does",
    ),
    *(
        Adaptation(
            f"classes-follow-dataset-{model}",
            f"models/{model}.py",
            rf"^([ \t]*model = {model}\(.*?num_classes=)10(?=[,)])",
            "\\g<1>(100 if args.dataset == 'cifar100' else 10)",
            "the models are built with 10 outputs whatever the dataset: CIFAR-100 training would stop at its "
            "first label above 9; other datasets keep 10",
        )
        for model in ("VGG", "DenseNet")
    ),
)


def _newline(text: str) -> str:
    return "\r\n" if text.count("\r\n") * 2 > text.count("\n") else "\n"


def apply_adaptations(checkout: Path, commit: str, table: tuple[Adaptation, ...] = ADAPTATIONS) -> list[dict]:
    """Check every anchor of the table first, then patch; return the record of what was applied."""
    root = Path(checkout) / ROOT
    texts: dict[str, str] = {}
    plan = []
    for a in table:
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


def fingerprint(table: tuple[Adaptation, ...]) -> str:
    """What a table of adaptations changes, in ten hex digits: part of what decides a GPU job's result
    (a changed table reruns the jobs that ran with it; its wording, the `why`, does not)."""
    import hashlib

    text = json.dumps([[a.file, a.anchor, a.replacement, a.minimum] for a in table])
    return hashlib.sha1(text.encode()).hexdigest()[:10]


def write_record(path: Path, commit: str, applied: list[dict], overlay: list[dict] | None = None) -> None:
    """What was changed in the fetched copy: a group's files laid over (overlay.lay_over), then the adaptations."""
    path.write_text(json.dumps({"commit": commit, "overlay": overlay or [], "adaptations": applied}, indent=2))
