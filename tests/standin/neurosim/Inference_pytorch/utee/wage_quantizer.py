"""Stand-in utee/wage_quantizer.py: gradient and weight quantisation of the toy's one parameter.

Gradients are rounded stochastically, with noise from torch's generator made on a CUDA device, as
upstream does (so training needs a GPU or the adaptation that makes the noise where the gradient is).
"""
import math

import torch


class _Value(float):
    """A toy gradient with the two tensor attributes stochastic rounding looks at."""
    is_cuda = False

    def size(self):
        return ()


def SR(x):
    r = torch.cuda.FloatTensor(*x.size()).uniform_()
    return math.floor(x + r)


def QG(grad, bits_G, grad_scale):
    x = grad * grad_scale / 64
    if not abs(x) < 2.0 ** (bits_G + 8):  # beyond the fixed-point range: the toy diverges, its loss turns NaN
        return float('nan')
    step = 2.0 ** -(bits_G - 1)
    return SR(_Value(x / step)) * step


def C(x, bits):
    """Clip to the weight range, on the toy's grid of the word length (coarser for fewer bits)."""
    if x != x:
        return x
    limit = 1 - 2.0 ** -(bits - 1)
    step = 2.0 ** -(bits + 3)
    return max(-limit, min(limit, round(x / step) * step))
