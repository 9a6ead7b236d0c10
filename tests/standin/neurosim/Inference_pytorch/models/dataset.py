"""Stand-in models/dataset.py: upstream's loader structure over the stand-in torchvision."""
import torch
from torchvision import datasets, transforms
from torch.utils.data import DataLoader
import os


def _cifar(cls, data_root, batch_size, train, val, kwargs):
    ds = []
    if train:
        ds.append(torch.utils.data.DataLoader(
            cls(root=data_root, train=True, download=True, transform=transforms.Compose([transforms.ToTensor()])),
            batch_size=batch_size, shuffle=True))
    if val:
        ds.append(torch.utils.data.DataLoader(
            cls(root=data_root, train=False, download=True, transform=transforms.Compose([transforms.ToTensor()])),
            batch_size=batch_size, shuffle=False))
    return ds[0] if len(ds) == 1 else ds


def get_cifar10(batch_size, data_root='/tmp/public_dataset/pytorch', train=True, val=True, **kwargs):
    data_root = os.path.expanduser(os.path.join(data_root, 'cifar10-data'))
    print("Building CIFAR-10 data loader with {} workers".format(kwargs.get('num_workers', 1)))
    return _cifar(datasets.CIFAR10, data_root, batch_size, train, val, kwargs)


def get_cifar100(batch_size, data_root='/tmp/public_dataset/pytorch', train=True, val=True, **kwargs):
    data_root = os.path.expanduser(os.path.join(data_root, 'cifar100-data'))
    return _cifar(datasets.CIFAR100, data_root, batch_size, train, val, kwargs)


def get_imagenet(batch_size, data_root='/home/shimeng/Documents/Data', train=True, val=True, **kwargs):
    labels = os.path.join(data_root, 'imagenet', 'val_labels.txt')
    if not os.path.isfile(labels):
        raise RuntimeError('ImageNet not found under ' + data_root)
    with open(labels) as fh:
        targets = [int(x) for x in fh.read().split()]
    return torch.utils.data.DataLoader(list(enumerate(targets)), batch_size=batch_size)
