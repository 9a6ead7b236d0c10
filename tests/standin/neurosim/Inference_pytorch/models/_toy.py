"""The stand-in's accuracy model: a closed-form function of the arguments."""
import hashlib
import math
import random

from modules.quantization_cpu_np_infer import crossbar_quality


class Parameter:
    def __init__(self, value):
        self.data, self.grad = value, None


class ToyModel:
    """One trainable parameter: the accuracy the network reaches before the non-idealities."""

    def __init__(self, args, checkpoint, layers):
        self.args, self.layers = args, layers
        self.classes = layers[-1][2]  # the classifier's outputs
        self.weight = Parameter(checkpoint['base_accuracy'])
        self.training = True

    # the few nn.Module methods train.py uses
    def parameters(self):
        return [self.weight]

    def named_parameters(self):
        return [('weight', self.weight)]

    def state_dict(self):
        return {'base_accuracy': self.weight.data}

    def load_state_dict(self, state):
        self.weight.data = state['base_accuracy']

    def train(self, mode=True):
        self.training = mode
        return self

    def eval(self):
        return self.train(False)

    def cuda(self):
        return self

    def __call__(self, data):
        return Output(self, list(data))

    def probability(self):
        a = self.args
        p = self.weight.data
        if p != p:  # a diverged training run's checkpoint
            return 0.0
        p *= 1 - 0.5 * 2.0 ** -(a.ADCprecision - 1)
        p *= (1 - 2.0 ** -a.wl_weight) * (1 - 2.0 ** -a.wl_activate)
        if a.t > 0 and a.v > 0:
            p *= math.exp(-0.1 * a.v * math.log10(1 + a.t))
        if a.model == 'VGG8' and a.mode == 'WAGE' and a.inference == 1:
            p *= crossbar_quality(a)
        return max(0.0, min(1.0, p))

    def correct(self, index, label):
        key = f"{self.args.seed}:{index}".encode()
        u = int(hashlib.sha1(key).hexdigest()[:8], 16) / 0xFFFFFFFF
        return u < self.probability()

    def trace(self, layer, wl_activate):
        """Weights and input bits of one layer, shaped as utee/hook.py shapes them (one output position).

        Weight rows = input channels x kernel area, columns = output channels; the content
        depends on every argument, like real traces.
        """
        cin, k, cout = self.layers[layer]
        rows, cols = cin * k * k, cout
        rng = random.Random(repr(sorted(vars(self.args).items())) + str(layer) + str(getattr(self, 'batch_seen', None)))
        weights = [[round(rng.uniform(-1, 1), 5) for _ in range(cols)] for _ in range(rows)]
        bits = [[1 if rng.random() < 0.2 + 0.5 * self.args.vari else 0 for _ in range(wl_activate)] for _ in range(rows)]
        return weights, bits


class Output:
    """A batch's output: the model and the images it saw (the toy loss needs both)."""

    def __init__(self, model, images):
        self.model, self.images = model, images


def image_weight(index):
    """How much one training image pulls: shuffling changes each batch's mix, as with real data."""
    return 1 + int(hashlib.sha1(str(index).encode()).hexdigest()[:4], 16) / 0xFFFF
