"""Stand-in inference.py: NeuroSim V1.4's arguments, log lines and layer traces.

Accuracy comes from a closed-form toy model (models/_toy.py) of the same
arguments; the traces are small matrices whose content depends on every
argument, written where and how utee/hook.py writes them.
"""
import argparse
import logging
import os
import sys
import time
from datetime import datetime
from subprocess import call

import torch
from models import dataset
from utee import hook

parser = argparse.ArgumentParser(description='Stand-in NeuroSim inference')
parser.add_argument('--dataset', default='cifar10', help='cifar10|cifar100|imagenet')
parser.add_argument('--model', default='VGG8', help='VGG8|DenseNet40|ResNet18')
parser.add_argument('--mode', default='WAGE', help='WAGE|FP')
parser.add_argument('--batch_size', type=int, default=200)
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
parser.add_argument('--inference', type=int, default=0)
parser.add_argument('--subArray', type=int, default=128)
parser.add_argument('--parallelRead', type=int, default=128)
parser.add_argument('--ADCprecision', type=int, default=5)
parser.add_argument('--cellBit', type=int, default=1)
parser.add_argument('--onoffratio', type=float, default=10)
parser.add_argument('--vari', type=float, default=0.)
parser.add_argument('--t', type=float, default=0)
parser.add_argument('--v', type=float, default=0)
parser.add_argument('--detect', type=int, default=0)
parser.add_argument('--target', type=float, default=0)
current_time = datetime.now().strftime('%Y_%m_%d_%H_%M_%S')
args = parser.parse_args()
torch.manual_seed(args.seed)  # as upstream seeds (torch refuses seeds outside 64-bit signed range)

os.makedirs(args.logdir, exist_ok=True)
log = logging.getLogger('standin')
log.setLevel(logging.INFO)
log.addHandler(logging.StreamHandler(sys.stderr))
log.addHandler(logging.FileHandler(os.path.join(args.logdir, 'test_log' + current_time)))
logger = log.info
logger("=================FLAGS==================")
for k, v in args.__dict__.items():
    logger('{}: {}'.format(k, v))
logger("========================================")

if args.dataset == 'cifar10':
    train_loader, test_loader = dataset.get_cifar10(batch_size=args.batch_size, num_workers=1)
elif args.dataset == 'cifar100':
    train_loader, test_loader = dataset.get_cifar100(batch_size=args.batch_size, num_workers=1)
else:
    test_loader = dataset.get_imagenet(batch_size=args.batch_size, num_workers=1, train=False)

assert args.model in ['VGG8', 'DenseNet40', 'ResNet18'], args.model
if args.model == 'VGG8':
    from models import VGG
    modelCF = VGG.vgg8(args=args, logger=logger, pretrained='./log/VGG8.pth')
elif args.model == 'DenseNet40':
    from models import DenseNet
    modelCF = DenseNet.densenet40(args=args, logger=logger, pretrained='./log/DenseNet40.pth')
else:
    from models import ResNet
    modelCF = ResNet.resnet18(args=args, logger=logger, pretrained=None)

if args.parallelRead < args.subArray and args.cellBit > 1:
    logger('ERROR: Partial parallel read is not supported for multi-level cells yet!')
    exit()

correct = 0
for i, (data, target) in enumerate(test_loader):
    modelCF.batch_seen = len(target)  # stand-in: like upstream's batch-wide scaling, the batch shapes the traces
    if i==0:
        hook_handle_list = hook.hardware_evaluation(modelCF,args.wl_weight,args.wl_activate,args.subArray,args.parallelRead,args.model,args.mode)
    # Test hook of the stand-in: die as if killed from outside when this image comes (a job lost)
    if os.environ.get('STANDIN_KILL_AT_IMAGE') and int(os.environ['STANDIN_KILL_AT_IMAGE']) in [int(x) for x in data]:
        os.kill(os.getpid(), 9)
    # ... or fail on it, as NeuroSim fails (a result: the job records it)
    if os.environ.get('STANDIN_FAIL_AT_IMAGE') and int(os.environ['STANDIN_FAIL_AT_IMAGE']) in [int(x) for x in data]:
        raise RuntimeError('CUDA error: an illegal memory access was encountered')
    for index, label in zip(data, target):
        correct += modelCF.correct(index, label)
    # Test hook of the stand-in: a GPU's time per image (benchmarks of split runs)
    time.sleep(float(os.environ.get('STANDIN_SECONDS_PER_IMAGE', '0')) * len(target))
    if i==0:
        hook.remove_hook_list(hook_handle_list)

# Test hook of the stand-in: pretend inference takes this long (interruption tests).
time.sleep(float(os.environ.get('STANDIN_INFERENCE_SECONDS', '0')))
total = len(test_loader.dataset)
logger('Test set: Average loss: {:.4f}, Accuracy: {}/{} ({:.0f}%)'.format(
    2.3 * (1 - correct / total), correct, total, 100. * correct / total))

call(["/bin/bash", './layer_record_'+str(args.model)+'/trace_command.sh'])
