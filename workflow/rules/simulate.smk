# One inference run per accuracy setting; one estimate per (accuracy, hardware) pair.


rule run_inference:
    input:
        checkout=rules.fetch_neurosim.output.checkout,
        dataset=staged_dataset,
    output:
        accuracy="results/inference/{acc}/accuracy.json",
        # the layer traces; deleted once no estimate needs them
        workdir=temp(directory("results/inference/{acc}/work")),
    log:
        stdout="results/logs/inference/{acc}.stdout",
        stderr="results/logs/inference/{acc}.stderr",
    conda:
        NEUROSIM_CONDA
    envmodules:
        *NEUROSIM_MODULES,
    params:
        args=inference_args,
        python=pipeline.python_command(SWEEP),
        data_root=pipeline.data_root(SWEEP),
        max_test_images=SWEEP.config.get("max_test_images"),
        timeout=pipeline.timeout(SWEEP, "inference", 86400),
    script:
        "../scripts/run_inference.py"


rule run_estimate:
    input:
        accuracy="results/inference/{acc}/accuracy.json",
        workdir="results/inference/{acc}/work",
        main="results/builds/{hw}/main",
    output:
        estimate="results/estimates/{acc}/{hw}.json",
    log:
        stdout="results/logs/estimate/{acc}/{hw}.stdout",
        stderr="results/logs/estimate/{acc}/{hw}.stderr",
    conda:
        "../envs/workflow.yaml"
    params:
        model=model_of,
        timeout=pipeline.timeout(SWEEP, "estimate", 7200),
    script:
        "../scripts/run_estimate.py"
