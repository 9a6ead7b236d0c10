"""Stand-in VGG8: the toy accuracy model behind NeuroSim's constructor signature."""
import torch

from models._toy import ToyModel

LAYERS = 3


def vgg8(args, logger, pretrained=None):
    checkpoint = {'base_accuracy': 0.5}
    if pretrained is not None:
        checkpoint = torch.load(pretrained)
    return ToyModel(args, checkpoint, LAYERS)
