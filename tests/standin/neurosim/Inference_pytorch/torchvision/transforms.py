"""Stand-in torchvision.transforms: the names NeuroSim's dataset.py uses, doing nothing."""


class _Identity:
    def __init__(self, *args, **kwargs):
        pass

    def __call__(self, x):
        return x


Compose = Pad = RandomCrop = RandomHorizontalFlip = ToTensor = Normalize = _Identity
