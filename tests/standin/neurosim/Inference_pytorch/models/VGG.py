"""Stand-in VGG8: the toy accuracy model behind NeuroSim's constructor signature."""
import torch

from models._toy import ToyModel

# (input channels, kernel size, output channels) of each traced layer; the last is the classifier
LAYERS = [(3, 3, 16), (16, 3, 32), (2048, 1, 10)]


def VGG(args, layers, num_classes, logger):
    """Upstream's network class: here the toy model, with a classifier of num_classes outputs."""
    return ToyModel(args, {'base_accuracy': 0.5}, layers[:-1] + [layers[-1][:2] + (num_classes,)])


def vgg8(args, logger, pretrained=None):
    assert args.parallelRead  # like upstream's layers, which read it (train.py must define it)
    model = VGG(args, LAYERS, num_classes=10, logger=logger)
    if pretrained is not None:
        model.load_state_dict(torch.load(pretrained))
    return model
