# Python helpers and input functions shared by the rules.
import json

from noisyneurosim import pipeline

SOURCE = pipeline.source_dir(SWEEP)
ACCURACY = SWEEP.accuracy_settings()
HARDWARE = SWEEP.hardware_settings()
# NeuroSim's own Python environment: a conda file or environment modules (config: python)
NEUROSIM_CONDA = pipeline.neurosim_conda(SWEEP, workflow.basedir)
NEUROSIM_MODULES = pipeline.neurosim_modules(SWEEP)
# the figures each study's axes call for
PLOTS = pipeline.plot_targets(SWEEP)


wildcard_constraints:
    acc="a[0-9a-f]{10}",
    hw="h[0-9a-f]{10}",
    dataset="cifar10|cifar100|imagenet",
    model="VGG8|DenseNet40|ResNet18",


# The plan, once, before anything is scheduled (also on --dry-run); jobs re-parsing
# the Snakefile on a cluster node stay quiet.
if workflow.is_main_process:
    print(pipeline.plan_text(SWEEP), file=sys.stderr)
    pipeline.check_env_modules(
        workflow.deployment_settings.deployment_method, NEUROSIM_MODULES
    )


def inference_args(wildcards):
    return pipeline.inference_params(ACCURACY[wildcards.acc])


def param_values(wildcards):
    return pipeline.param_params(HARDWARE[wildcards.hw])


def model_of(wildcards):
    return ACCURACY[wildcards.acc].knobs["model"]


def staged_dataset(wildcards):
    dataset = ACCURACY[wildcards.acc].knobs["dataset"]
    return f"{pipeline.data_root(SWEEP)}/.staged-{dataset}"


def reproducibility_pair(wildcards):
    return pipeline.reproducibility_pairs(SWEEP)[wildcards.model]


def reproducibility_inputs(wildcards):
    acc, hw = reproducibility_pair(wildcards)
    return {
        "estimate": f"results/estimates/{acc}/{hw}.json",
        "network": f"results/estimates/{acc}/{hw}.network.csv",
        "workdir": f"results/inference/{acc}/work",
        "main": f"results/builds/{hw}/main",
    }
