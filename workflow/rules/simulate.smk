# One inference run per accuracy setting (one or more jobs); one estimate per (accuracy, hardware)
# pair; one estimate per model run twice (the reproducibility guard).


# An inference run is one job, or several of accuracy.images_per_job images each; the first job
# writes the traces. With a target (accuracy.halfwidth) jobs come in waves until it is reached.
localrules:
    decide_wave,
    pool_accuracy,
    current_accuracy,


# GPU work is paid once: its params are only what decides its result (its id says the same), and the
# checkout and dataset it reads are remade only for what decides results too.
rule run_inference:
    input:
        unpack(inference_inputs),
    output:
        result=paths.FIRST_PART,  # this job's result: the first job of its run
        # the layer traces, kept: a hardware value added later needs no new inference
        traces=paths.TRACES,
        work=temp(directory(paths.INFERENCE_WORK)),
    log:
        stdout=paths.INFERENCE_STDOUT,
        stderr=paths.INFERENCE_STDERR,
        job=paths.INFERENCE_JOB_LOG,
    conda:
        NEUROSIM_CONDA
    envmodules:
        *NEUROSIM_MODULES,
    resources:
        gpu=1,
    params:
        job=inference_job,
        synthetic=SETTINGS.synthetic_test_images,
        adaptations=ADAPTATIONS_FINGERPRINT,
    script:
        "../scripts/run_inference.py"


# the jobs after the first: their own seed and images (inference_job), no traces
use rule run_inference as run_inference_part with:
    output:
        result=paths.INFERENCE_PART,  # this job's result: a later job of its run
        work=temp(directory(paths.PART_WORK)),
    log:
        stdout=paths.INFERENCE_PART_STDOUT,
        stderr=paths.INFERENCE_PART_STDERR,
        job=paths.INFERENCE_PART_JOB_LOG,


# after each wave: pool the jobs so far and decide whether the interval is narrow enough
checkpoint decide_wave:
    input:
        unpack(wave_inputs),
    output:
        decision=paths.WAVE,
    log:
        job=paths.WAVE_JOB_LOG,
    conda:
        "../envs/workflow.yaml"
    params:
        split=split_of,
        population=population_of,
        test_set=test_set_of,
    script:
        "../scripts/decide_wave.py"


# pooled under one stopping policy; another policy (a new target) pools afresh from the same jobs
rule pool_accuracy:
    input:
        unpack(pooled_inputs),
    output:
        pooled=paths.POOLED,
    log:
        job=paths.POOL_JOB_LOG,
    conda:
        "../envs/workflow.yaml"
    params:
        args=inference_args,
        split=split_of,
        population=population_of,
        test_set=test_set_of,
    script:
        "../scripts/pool_accuracy.py"


# the run's accuracy under the config's policy: what the tables read
rule current_accuracy:
    input:
        pooled=pooled_under_current_policy,
    output:
        accuracy=paths.ACCURACY,
    log:
        job=paths.CURRENT_ACCURACY_LOG,
    conda:
        "../envs/workflow.yaml"
    script:
        "../scripts/current_accuracy.py"


rule run_estimate:
    input:
        # the first job's result and traces: a run's later jobs never delay or change its estimates
        first=paths.FIRST_PART,
        traces=paths.TRACES,
        main=paths.BUILD_MAIN,
        # upstream's network file is read from here (the version's), checked against the traces
        checkout=checkout_of_hardware,
    output:
        estimate=paths.ESTIMATE,
        # the network description the core ran with: upstream's, or corrected (neurosim.correct_network)
        network=paths.NETWORK_USED,
        work=temp(directory(paths.ESTIMATE_WORK)),
    log:
        stdout=paths.ESTIMATE_STDOUT,
        stderr=paths.ESTIMATE_STDERR,
        job=paths.ESTIMATE_JOB_LOG,
    conda:
        "../envs/workflow.yaml"
    params:
        model=model_of,
        correct_network=SETTINGS.correct_network,
    script:
        "../scripts/run_estimate.py"


rule check_reproducible:
    input:
        unpack(reproducibility_inputs),
    output:
        check=paths.REPRODUCIBILITY,
        work=temp(directory(paths.REPRODUCIBILITY_WORK)),
    log:
        stdout=paths.REPRODUCIBILITY_STDOUT,
        stderr=paths.REPRODUCIBILITY_STDERR,
        job=paths.REPRODUCIBILITY_JOB_LOG,
    conda:
        "../envs/workflow.yaml"
    params:
        pair=reproducibility_pair,
    script:
        "../scripts/check_reproducible.py"
