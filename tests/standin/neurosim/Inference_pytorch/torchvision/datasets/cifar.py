"""Stand-in torchvision.datasets.cifar: torchvision's on-disk layout and integrity check, toy content.

Like torchvision, the loader refuses files whose md5 is not the published one;
the stand-in's "published" files are the ones its download writes (labels only,
deterministic), so a test set written by anybody else fails the check.
"""
import hashlib
import os
import pickle
import random


def check_integrity(fpath, md5=None):
    if not os.path.isfile(fpath):
        return False
    if md5 is None:
        return True
    with open(fpath, 'rb') as fh:
        return hashlib.md5(fh.read()).hexdigest() == md5


def _official(name, count, classes, key):
    rng = random.Random(name + str(count))
    return pickle.dumps({'batch_label': name, 'data': None, key: [rng.randrange(classes) for _ in range(count)]},
                        protocol=2)


class CIFAR10:
    base_folder = 'cifar-10-batches-py'
    label_key = 'labels'
    classes_count = 10
    train_files = [('data_batch_%d' % i, 100) for i in range(1, 6)]
    test_files = [('test_batch', 10000)]
    meta_file = ('batches.meta', 'label_names')

    def __init__(self, root, train=True, transform=None, target_transform=None, download=False):
        self.root, self.train = root, train
        self.published = {name: _official(name, count, self.classes_count, self.label_key)
                          for name, count in self.train_files + self.test_files}
        self.published[self.meta_file[0]] = pickle.dumps({self.meta_file[1]: ['c%d' % i for i in range(self.classes_count)]})
        if download:
            self.download()
        if not all(check_integrity(self._path(n), self._md5(n)) for n, _ in self.train_files + self.test_files):
            raise RuntimeError('Dataset not found or corrupted. You can use download=True to download it')
        if not check_integrity(self._path(self.meta_file[0]), self._md5(self.meta_file[0])):
            raise RuntimeError('Dataset metadata file not found or corrupted. You can use download=True to download it')
        self.targets = []
        for name, _ in (self.train_files if train else self.test_files):
            with open(self._path(name), 'rb') as fh:
                self.targets.extend(pickle.load(fh, encoding='latin1')[self.label_key])

    def _path(self, name):
        return os.path.join(self.root, self.base_folder, name)

    def _md5(self, name):
        return hashlib.md5(self.published[name]).hexdigest()

    def download(self):
        os.makedirs(os.path.join(self.root, self.base_folder), exist_ok=True)
        for name, data in self.published.items():
            if not os.path.exists(self._path(name)):
                with open(self._path(name) + '.part', 'wb') as fh:
                    fh.write(data)
                os.replace(self._path(name) + '.part', self._path(name))

    def __len__(self):
        return len(self.targets)

    def __getitem__(self, i):
        # the toy model needs the image's index, not its pixels
        return i, self.targets[i]


class CIFAR100(CIFAR10):
    base_folder = 'cifar-100-python'
    label_key = 'fine_labels'
    classes_count = 100
    train_files = [('train', 500)]
    test_files = [('test', 10000)]
    meta_file = ('meta', 'fine_label_names')
