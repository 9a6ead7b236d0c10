"""Stand-in ResNet18: the toy accuracy model behind NeuroSim's constructor signature."""
import torch
from torchvision.models.utils import load_state_dict_from_url  # noqa: F401

from models._toy import ToyModel

LAYERS = 3


def resnet18(args, logger, pretrained=None):
    checkpoint = {'base_accuracy': 0.5}
    if pretrained is not None:
        checkpoint = torch.load(pretrained)
    return ToyModel(args, checkpoint, LAYERS)
