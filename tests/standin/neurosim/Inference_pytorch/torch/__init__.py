"""A toy stand-in for the few torch calls the stand-in NeuroSim makes (no tensors)."""
import json

from . import utils  # noqa: F401


class cuda:
    @staticmethod
    def is_available():
        return False

    @staticmethod
    def manual_seed(seed):
        pass


def manual_seed(seed):
    pass


def load(path, map_location=None):
    with open(path) as fh:
        return json.load(fh)
