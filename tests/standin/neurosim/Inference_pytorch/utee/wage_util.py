"""Stand-in utee/wage_util.py: a sum-of-squares loss of the toy model, with nn.Module's forward hooks."""
from models._toy import image_weight


class Loss(float):
    """The loss value; backward() sets the toy parameter's gradient."""

    def backward(self):
        self.param.grad = self.grad

    def item(self):
        return float(self)


class _Handle:
    def __init__(self, hooks, hook):
        self.hooks, self.hook = hooks, hook

    def remove(self):
        self.hooks.remove(self.hook)


class SSE:
    def __init__(self):
        self._hooks = []

    def register_forward_hook(self, hook):
        self._hooks.append(hook)
        return _Handle(self._hooks, hook)

    def __call__(self, output, target):
        value = self.forward(output, target)
        for hook in list(self._hooks):
            hook(self, (output, target), value)
        return value

    def forward(self, output, target):
        for label in target:  # upstream's one-hot target has one column per class
            if label >= output.model.classes:
                raise IndexError('index {} is out of bounds for dimension 1 with size {}'.format(label, output.model.classes))
        weight = output.model.weight
        pull = sum(image_weight(i) for i in output.images) / max(1, len(output.images))
        error = 1 - weight.data
        loss = Loss(0.5 * error * error * pull * len(output.images))
        loss.param, loss.grad = weight, -error * pull
        return loss
