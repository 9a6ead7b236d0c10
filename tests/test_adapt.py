"""Adaptations find their anchors or stop, naming the file, the anchor and the commit."""

import shutil

import pytest
from conftest import STANDIN

from noisyneurosim.adapt import ADAPTATIONS, apply_adaptations
from noisyneurosim.param_patch import UpstreamChanged


@pytest.fixture
def checkout(tmp_path):
    dest = tmp_path / "ns"
    shutil.copytree(STANDIN, dest)
    return dest


def test_every_adaptation_applies_and_is_recorded(checkout):
    applied = apply_adaptations(checkout, "c0ffee")
    assert [a["name"] for a in applied] == [a.name for a in ADAPTATIONS]
    root = checkout / "Inference_pytorch"
    assert "device='cuda'" not in (root / "modules/quantization_cpu_np_infer.py").read_text()
    assert "map_location" in (root / "models/VGG.py").read_text()
    assert 'call(["/bin/bash"' not in (root / "inference.py").read_text()
    assert "NNS_MAX_TEST_IMAGES" in (root / "inference.py").read_text()
    assert "torchvision.models.utils" not in (root / "models/ResNet.py").read_text()


def test_missing_anchor_stops_before_anything_is_patched(checkout):
    target = checkout / "Inference_pytorch/modules/quantization_cpu_np_infer.py"
    target.write_text(target.read_text().replace("device='cuda'", "device=dev"))
    before = (checkout / "Inference_pytorch/inference.py").read_text()
    with pytest.raises(UpstreamChanged) as err:
        apply_adaptations(checkout, "c0ffee")
    message = str(err.value)
    assert "upstream changed" in message and "device='cuda'" in message
    assert "quantization_cpu_np_infer.py" in message and "c0ffee" in message
    assert (checkout / "Inference_pytorch/inference.py").read_text() == before


def test_missing_file_is_named(checkout):
    (checkout / "Inference_pytorch/models/ResNet.py").unlink()
    with pytest.raises(UpstreamChanged, match="models/ResNet.py not found"):
        apply_adaptations(checkout, "c0ffee")


def test_line_endings_are_kept_so_a_diff_shows_only_the_edits(checkout):
    import difflib

    root = checkout / "Inference_pytorch"
    files = ("models/DenseNet.py", "models/dataset.py")
    before = {f: (root / f).read_bytes() for f in files}
    assert all(b"\r\n" in text for text in before.values()), "the stand-in's models are CRLF, like upstream's"
    apply_adaptations(checkout, "c0ffee")
    for name, old in before.items():
        new = (root / name).read_bytes()
        assert new.count(b"\n") == new.count(b"\r\n"), f"{name}: a line lost its CRLF"
        removed = [d for d in difflib.ndiff(old.decode().splitlines(), new.decode().splitlines()) if d.startswith("- ")]
        # DenseNet.py: the torch.load line; dataset.py: two CIFAR roots, the ImageNet root, two download flags
        assert len(removed) == {"models/DenseNet.py": 1, "models/dataset.py": 5}[name], removed
