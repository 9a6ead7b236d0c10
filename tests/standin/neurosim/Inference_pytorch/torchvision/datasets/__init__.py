from .cifar import CIFAR10, CIFAR100  # noqa: F401
