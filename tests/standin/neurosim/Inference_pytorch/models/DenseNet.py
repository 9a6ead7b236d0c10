"""Stand-in DenseNet40: the toy accuracy model behind NeuroSim's constructor signature."""
import torch

from models._toy import ToyModel

# (input channels, kernel size, output channels) of each traced layer; the last is the classifier
LAYERS = [(3, 3, 24), (24, 3, 12), (36, 1, 10)]


def DenseNet(args, logger, depth, growth_rate=12, reduction=0.5, num_classes=10):
    """Upstream's network class: here the toy model, with a classifier of num_classes outputs."""
    return ToyModel(args, {'base_accuracy': 0.5}, LAYERS[:-1] + [LAYERS[-1][:2] + (num_classes,)])


def densenet40(args, logger, pretrained=None):
    assert args.parallelRead  # like upstream's layers, which read it (train.py must define it)
    model = DenseNet(args, logger, depth=40, growth_rate=12, reduction=0.5, num_classes=10)
    if pretrained is not None:
        model.load_state_dict(torch.load(pretrained))
    return model
