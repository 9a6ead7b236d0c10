"""Stand-in utee/misc.py: the logger, folder and checkpoint helpers train.py uses, with upstream's behaviour
(a log file in the log folder plus the console; saving a checkpoint may delete the previous best)."""
import logging
import os


class Logger:
    def __init__(self):
        self._logger = None

    def init(self, logdir, name='log'):
        if self._logger is None:
            os.makedirs(logdir, exist_ok=True)
            self._logger = logging.getLogger('standin-train')
            self._logger.setLevel(logging.INFO)
            self._logger.addHandler(logging.FileHandler(os.path.join(logdir, name)))
            self._logger.addHandler(logging.StreamHandler())

    def info(self, text):
        self.init('/tmp', 'standin-tmp.log')
        self._logger.info(text)


logger = Logger()


def ensure_dir(path):
    os.makedirs(path, exist_ok=True)


def model_save(model, new_file, old_file=None, verbose=False):
    import torch

    if old_file and os.path.exists(old_file):
        os.remove(old_file)
    torch.save(model.state_dict(), new_file)
