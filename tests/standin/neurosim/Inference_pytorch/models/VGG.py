"""Stand-in VGG8: the toy accuracy model behind NeuroSim's constructor signature."""
import torch

from models._toy import ToyModel

# (input channels, kernel size, output channels) of each traced layer
LAYERS = [(3, 3, 16), (16, 3, 32), (2048, 1, 10)]


def vgg8(args, logger, pretrained=None):
    assert args.parallelRead  # like upstream's layers, which read it (train.py must define it)
    checkpoint = {'base_accuracy': 0.5}
    if pretrained is not None:
        checkpoint = torch.load(pretrained)
    return ToyModel(args, checkpoint, LAYERS)
