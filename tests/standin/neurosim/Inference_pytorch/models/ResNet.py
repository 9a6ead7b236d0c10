"""Stand-in ResNet18: the toy accuracy model behind NeuroSim's constructor signature."""
import torch
from torchvision.models.utils import load_state_dict_from_url  # noqa: F401

from models._toy import ToyModel

# (input channels, kernel size, output channels) of each traced layer
LAYERS = [(3, 7, 64), (64, 3, 64), (512, 1, 1000)]


def resnet18(args, logger, pretrained=None):
    checkpoint = {'base_accuracy': 0.5}
    if pretrained is not None:
        checkpoint = torch.load(pretrained)
    return ToyModel(args, checkpoint, LAYERS)
