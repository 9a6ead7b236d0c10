# One inference run per accuracy setting; one estimate per (accuracy, hardware) pair;
# one estimate per model run twice (the reproducibility guard).


rule run_inference:
    input:
        checkout=rules.fetch_neurosim.output.checkout,
        dataset=staged_dataset,
    output:
        accuracy=paths.ACCURACY,
        # the layer traces; deleted once no estimate needs them
        traces=temp(directory(paths.TRACES)),
    log:
        stdout=paths.INFERENCE_STDOUT,
        stderr=paths.INFERENCE_STDERR,
        job=paths.INFERENCE_JOB_LOG,
    conda:
        NEUROSIM_CONDA
    envmodules:
        *NEUROSIM_MODULES,
    params:
        args=inference_args,
        python=SETTINGS.python_command,
        data_root=SETTINGS.data_root,
        synthetic=SETTINGS.synthetic_test_images,
        max_test_images=SETTINGS.max_test_images,
        timeout=SETTINGS.timeouts["inference"],
    script:
        "../scripts/run_inference.py"


rule run_estimate:
    input:
        accuracy=paths.ACCURACY,
        traces=paths.TRACES,
        main=paths.BUILD_MAIN,
        # upstream's network file is read from here, checked against the traces
        checkout=rules.fetch_neurosim.output.checkout,
    output:
        estimate=paths.ESTIMATE,
        # the network description the core ran with: upstream's, or corrected (neurosim.correct_network)
        network=paths.NETWORK_USED,
    log:
        stdout=paths.ESTIMATE_STDOUT,
        stderr=paths.ESTIMATE_STDERR,
        job=paths.ESTIMATE_JOB_LOG,
    conda:
        "../envs/workflow.yaml"
    params:
        model=model_of,
        correct_network=SETTINGS.correct_network,
        timeout=SETTINGS.timeouts["estimate"],
    script:
        "../scripts/run_estimate.py"


rule check_reproducible:
    input:
        unpack(reproducibility_inputs),
    output:
        check=paths.REPRODUCIBILITY,
    log:
        stdout=paths.REPRODUCIBILITY_STDOUT,
        stderr=paths.REPRODUCIBILITY_STDERR,
        job=paths.REPRODUCIBILITY_JOB_LOG,
    conda:
        "../envs/workflow.yaml"
    params:
        pair=reproducibility_pair,
        timeout=SETTINGS.timeouts["estimate"],
    script:
        "../scripts/check_reproducible.py"
