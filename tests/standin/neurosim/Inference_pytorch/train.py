"""Stand-in train.py: NeuroSim V1.4's training arguments, log lines and files, over a toy model.

Like upstream: the log folder gets one level per argument (utee/make_path.py), `latest.pth` is
saved every epoch and `best-<epoch>.pth` when test accuracy improves (deleting the previous best),
`decreasing_lr` epochs divide grad_scale by 8, and an exception inside the loop is printed and
ends the run with exit code 0. The toy model has one parameter (models/_toy.py) trained by SGD
with momentum over a shuffled training set, so the result depends on the seed, the order of the
images, every training argument and the word lengths.
"""
import argparse
import os
import time
from datetime import datetime

import torch
import torch.optim as optim
from torch.autograd import Variable
from models import dataset
from utee import make_path, misc, wage_quantizer, wage_util

parser = argparse.ArgumentParser(description='Stand-in NeuroSim training')
parser.add_argument('--dataset', default='cifar10', help='cifar10|cifar100|imagenet')
parser.add_argument('--model', default='VGG8', help='VGG8|DenseNet40|ResNet18')
parser.add_argument('--mode', default='WAGE', help='WAGE|FP')
parser.add_argument('--batch_size', type=int, default=64)
parser.add_argument('--epochs', type=int, default=200)
parser.add_argument('--grad_scale', type=float, default=8)
parser.add_argument('--seed', type=int, default=117)
parser.add_argument('--log_interval', type=int, default=100)
parser.add_argument('--test_interval', type=int, default=1)
parser.add_argument('--logdir', default='log/default')
parser.add_argument('--lr', type=float, default=0.01)
parser.add_argument('--decreasing_lr', default='140,180')
parser.add_argument('--wl_weight', type=int, default=8)
parser.add_argument('--wl_grad', type=int, default=8)
parser.add_argument('--wl_activate', type=int, default=8)
parser.add_argument('--wl_error', type=int, default=8)
# hardware arguments: accepted, unused in training (no type, as upstream)
parser.add_argument('--inference', default=0)
parser.add_argument('--subArray', default=128)
parser.add_argument('--ADCprecision', default=5)
parser.add_argument('--cellBit', default=4)
parser.add_argument('--onoffratio', default=10)
parser.add_argument('--vari', default=0)
parser.add_argument('--t', default=0)
parser.add_argument('--v', default=0)
parser.add_argument('--detect', default=0)
parser.add_argument('--target', default=0)
current_time = datetime.now().strftime('%Y_%m_%d_%H_%M_%S')

args = parser.parse_args()
args.logdir = os.path.join(os.path.dirname(__file__), args.logdir)
args = make_path.makepath(args, ['log_interval', 'test_interval', 'logdir', 'epochs'])
misc.logger.init(args.logdir, 'train_log_' + current_time)
logger = misc.logger.info
logger("=================FLAGS==================")
for k, v in args.__dict__.items():
    logger('{}: {}'.format(k, v))
logger("========================================")

args.cuda = torch.cuda.is_available()
torch.manual_seed(args.seed)

if args.dataset == 'cifar10':
    train_loader, test_loader = dataset.get_cifar10(batch_size=args.batch_size, num_workers=1)
elif args.dataset == 'cifar100':
    train_loader, test_loader = dataset.get_cifar100(batch_size=args.batch_size, num_workers=1)
else:
    raise ValueError("the stand-in trains on CIFAR only")

assert args.model in ['VGG8', 'DenseNet40', 'ResNet18'], args.model
if args.model == 'VGG8':
    from models import VGG
    model = VGG.vgg8(args=args, logger=logger)
elif args.model == 'DenseNet40':
    from models import DenseNet
    model = DenseNet.densenet40(args=args, logger=logger)
else:
    raise ValueError("the stand-in trains VGG8 and DenseNet40 only")
criterion = wage_util.SSE()

optimizer = optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, weight_decay=0.0001)

decreasing_lr = list(map(int, args.decreasing_lr.split(',')))
logger('decreasing_lr: ' + str(decreasing_lr))
best_acc, old_file = 0, None
t_begin = time.time()
grad_scale = args.grad_scale

try:
    for epoch in range(args.epochs):
        # Test hooks of the stand-in: die as if killed from outside, or crash as a bug would
        if os.environ.get('STANDIN_KILL_AT_EPOCH') == str(epoch):
            os.kill(os.getpid(), 9)
        if os.environ.get('STANDIN_CRASH_AT_EPOCH') == str(epoch):
            raise RuntimeError('CUDA error: an illegal memory access was encountered')
        model.train()

        if epoch in decreasing_lr:
            grad_scale = grad_scale / 8.0

        logger("training phase")
        for batch_idx, (data, target) in enumerate(train_loader):
            data, target = Variable(data), Variable(target)
            optimizer.zero_grad()
            output = model(data)
            loss = criterion(output, target)
            loss.backward()
            if args.mode == 'WAGE':
                for name, param in list(model.named_parameters())[::-1]:
                    param.grad = wage_quantizer.QG(param.grad, args.wl_grad, grad_scale)
            optimizer.step()
            if args.mode == 'WAGE':
                for name, param in list(model.named_parameters())[::-1]:
                    param.data = wage_quantizer.C(param.data, args.wl_weight)
            if batch_idx % args.log_interval == 0 and batch_idx > 0:
                logger('Train Epoch: {} [{}/{}] Loss: {:.6f} lr: {:.2e}'.format(
                    epoch, batch_idx * len(data), len(train_loader.dataset), float(loss),
                    optimizer.param_groups[0]['lr']))
        # Test hook of the stand-in: a GPU's time per epoch
        time.sleep(float(os.environ.get('STANDIN_SECONDS_PER_EPOCH', '0')))
        elapse_time = time.time() - t_begin
        logger("Elapsed {:.2f}s".format(elapse_time))

        misc.model_save(model, os.path.join(args.logdir, 'latest.pth'))

        if epoch % args.test_interval == 0:
            model.eval()
            test_loss = 0
            correct = 0
            logger("testing phase")
            for i, (data, target) in enumerate(test_loader):
                with torch.no_grad():
                    output = model(data)
                    test_loss += criterion(output, target)
                    correct += sum(model.correct(index, label) for index, label in zip(data, target))
            test_loss = test_loss / len(test_loader)
            acc = 100. * correct / len(test_loader.dataset)
            logger('\tEpoch {} Test set: Average loss: {:.4f}, Accuracy: {}/{} ({:.0f}%)'.format(
                epoch, test_loss, correct, len(test_loader.dataset), acc))

            if acc > best_acc:
                new_file = os.path.join(args.logdir, 'best-{}.pth'.format(epoch))
                misc.model_save(model, new_file, old_file=old_file, verbose=True)
                best_acc = acc
                old_file = new_file

except Exception as e:
    import traceback
    traceback.print_exc()
finally:
    logger("Total Elapse: {:.2f}, Best Result: {:.3f}%".format(time.time() - t_begin, best_acc))
