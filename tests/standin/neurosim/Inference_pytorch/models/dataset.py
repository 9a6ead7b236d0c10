"""Stand-in datasets: a labels file per split, 'downloaded' (generated) on request."""
import os
import random

import torch


class _LabelFile:
    def __init__(self, root, train, download, size):
        self.path = os.path.join(root, 'train_labels.txt' if train else 'test_labels.txt')
        if not os.path.exists(self.path):
            if not download:
                raise RuntimeError('Dataset not found or corrupted.')
            os.makedirs(root, exist_ok=True)
            rng = random.Random(size)
            with open(self.path + '.part', 'w') as fh:
                fh.write('\n'.join(str(rng.randrange(10)) for _ in range(size)))
            os.replace(self.path + '.part', self.path)
        self.labels = None

    def _load(self):
        if self.labels is None:
            with open(self.path) as fh:
                self.labels = [int(x) for x in fh.read().split()]
        return self.labels

    def __len__(self):
        return len(self._load())

    def __getitem__(self, i):
        return i, self._load()[i]


def _loaders(root, batch_size, train, val, download):
    ds = []
    if train:
        ds.append(torch.utils.data.DataLoader(_LabelFile(root, True, download, 500), batch_size=batch_size))
    if val:
        ds.append(torch.utils.data.DataLoader(_LabelFile(root, False, download, 10000), batch_size=batch_size))
    return ds[0] if len(ds) == 1 else ds


def get_cifar10(batch_size, data_root='/tmp/public_dataset/pytorch', train=True, val=True, **kwargs):
    data_root = os.path.expanduser(os.path.join(data_root, 'cifar10-data'))
    print("Building CIFAR-10 data loader with {} workers".format(kwargs.get('num_workers', 1)))
    return _loaders(data_root, batch_size, train, val, download=True)


def get_cifar100(batch_size, data_root='/tmp/public_dataset/pytorch', train=True, val=True, **kwargs):
    data_root = os.path.expanduser(os.path.join(data_root, 'cifar100-data'))
    return _loaders(data_root, batch_size, train, val, download=True)


def get_imagenet(batch_size, data_root='/home/shimeng/Documents/Data', train=True, val=True, **kwargs):
    return _loaders(os.path.join(data_root, 'imagenet'), batch_size, False, val, os.path.isdir(data_root))
