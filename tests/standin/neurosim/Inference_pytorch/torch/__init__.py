"""A toy stand-in for the few torch calls the stand-in NeuroSim makes (no tensors).

Like torch, one global random generator (seeded by manual_seed) shuffles the
training set; its state can be read and restored, as a resumed run needs.
"""
import json
import random

from . import utils  # noqa: F401

_rng = random.Random(0)


class FloatTensor:
    """An uninitialised tensor; uniform_() fills it from the global generator (the toy's is one number)."""

    def __init__(self, *size):
        self.size = size

    def uniform_(self):
        return _rng.random()


class cuda:
    @staticmethod
    def is_available():
        return False

    @staticmethod
    def FloatTensor(*size):
        raise RuntimeError('Found no NVIDIA driver on your system. Please check that you have an NVIDIA GPU '
                           'and installed a driver from http://www.nvidia.com/Download/index.aspx')

    @staticmethod
    def manual_seed(seed):
        pass


def manual_seed(seed):
    if not -2**63 <= int(seed) < 2**63:  # as torch: RuntimeError: Overflow when unpacking long
        raise RuntimeError('Overflow when unpacking long')
    _rng.seed(seed)


def get_rng_state():
    return _rng.getstate()


def set_rng_state(state):
    version, internal, gauss = state
    _rng.setstate((version, tuple(internal), gauss))


def save(obj, path):
    with open(path, 'w') as fh:
        json.dump(obj, fh)


def load(path, map_location=None):
    with open(path) as fh:
        return json.load(fh)


class no_grad:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
