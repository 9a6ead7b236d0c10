# One training run per distinct training setting (studies with train:), on the GPU partition, in jobs
# of training.epochs_per_job epochs; each job resumes after the last completed epoch of the one before
# (or of itself, when it was cut off). Studies without train: use NeuroSim's shipped checkpoints.


localrules:
    adapt_for_training,
    finish_training,
    trained_checkout,


rule adapt_for_training:
    # A copy of the adapted checkout with the training adaptations: the shipped-checkpoint chain never sees them.
    input:
        checkout=paths.CHECKOUT.format(commit=MAIN_COPY),
        adaptations=paths.ADAPTATIONS.format(commit=MAIN_COPY),
    output:
        checkout=directory(paths.TRAINING_CHECKOUT.format(commit=MAIN_COPY)),
        adaptations=report(
            paths.TRAINING_ADAPTATIONS.format(commit=MAIN_COPY),
            caption="../report/adaptations.rst",
            category="4. Provenance",
        ),
    log:
        job=paths.TRAINING_CHECKOUT_LOG.format(commit=MAIN_COPY),
    conda:
        "../envs/workflow.yaml"
    script:
        "../scripts/adapt_for_training.py"


rule train_job:
    input:
        unpack(training_job_inputs),
    output:
        job=paths.TRAINING_JOB,
    log:
        stdout=paths.TRAINING_STDOUT,
        stderr=paths.TRAINING_STDERR,
        job=paths.TRAINING_JOB_LOG,
    conda:
        NEUROSIM_CONDA
    envmodules:
        *NEUROSIM_MODULES,
    resources:
        gpu=1,
    params:
        args=training_args,
        synthetic=SETTINGS.synthetic_test_images,
        max_train_images=SETTINGS.max_train_images,
        max_test_images=SETTINGS.max_test_images,
        adaptations=TRAINING_ADAPTATIONS_FINGERPRINT,
    script:
        "../scripts/train_job.py"


# the run's record, learning curve and checkpoints (best.pth, last.pth) beside them. Files Snakemake
# is not told of, on purpose: best.pth and last.pth exist only when training succeeded (a failed run is
# a recorded result, its points say why), so as outputs they would fail this job exactly then; the
# record names them and trained_checkout reads it. The work folder (paths.TRAINING_WORK) is written by
# every train_job of the run, and Snakemake deletes a job's outputs before it runs: as an output of any
# one job it would lose the resume state, and one output cannot belong to several jobs.
rule finish_training:
    input:
        last=last_training_job,
    output:
        record=paths.TRAINING_RECORD,
        curve=paths.TRAINING_CURVE,
    log:
        job=paths.FINISH_TRAINING_LOG,
    conda:
        "../envs/workflow.yaml"
    params:
        workdir=training_workdir,
    script:
        "../scripts/finish_training.py"


# what the inference of a trained checkpoint runs from: the training copy, with log/<model>.pth that
# checkpoint (or, where training failed, the reason, which its points then record)
rule trained_checkout:
    input:
        record=paths.TRAINING_RECORD,
        checkout=rules.adapt_for_training.output.checkout,
    output:
        checkout=directory(paths.TRAINED_CHECKOUT),
    log:
        job=paths.TRAINED_CHECKOUT_LOG,
    conda:
        "../envs/workflow.yaml"
    params:
        model=trained_model,
    script:
        "../scripts/trained_checkout.py"
