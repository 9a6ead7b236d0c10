"""Stand-in utee/make_path.py: like upstream, the log folder gets one level per argument (name=value)."""
import os


def makepath(args, except_list):
    for name in sorted(k for k in args.__dict__ if k not in except_list):
        args.logdir = os.path.join(args.logdir, '{}={}'.format(name, args.__dict__[name]))
    os.makedirs(args.logdir, exist_ok=True)
    return args
