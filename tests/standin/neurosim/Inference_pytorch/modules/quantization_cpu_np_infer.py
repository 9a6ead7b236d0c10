"""Stand-in for the crossbar non-ideality model."""
import math


class _Tensor:
    device = 'cpu'


def variation_device(remainderQ=_Tensor()):
    # the real module creates its noise on a hard-coded device here
    return dict(device='cuda')


def crossbar_quality(a):
    q = math.exp(-3.0 * a.vari)
    q *= 1 - 0.1 / a.onoffratio
    q *= 1 - 0.01 * (a.cellBit - 1)
    q *= 1 - 0.02 * math.log2(a.subArray / a.parallelRead) if a.parallelRead < a.subArray else 1
    assert variation_device()['device'] != 'cuda', 'noise device is hard-coded to CUDA'
    return q
