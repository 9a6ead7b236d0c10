# One inference run per accuracy setting; one estimate per (accuracy, hardware) pair;
# one estimate per model run twice (the reproducibility guard).


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
        job="results/logs/inference/{acc}.job.log",
    conda:
        NEUROSIM_CONDA
    envmodules:
        *NEUROSIM_MODULES,
    params:
        args=inference_args,
        python=pipeline.python_command(SWEEP),
        data_root=pipeline.data_root(SWEEP),
        synthetic=pipeline.synthetic(SWEEP),
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
        # the network description the core ran with: upstream's, or corrected (neurosim.correct_network)
        network="results/estimates/{acc}/{hw}.network.csv",
    log:
        stdout="results/logs/estimate/{acc}/{hw}.stdout",
        stderr="results/logs/estimate/{acc}/{hw}.stderr",
        job="results/logs/estimate/{acc}/{hw}.job.log",
    conda:
        "../envs/workflow.yaml"
    params:
        model=model_of,
        correct_network=pipeline.correct_network(SWEEP),
        timeout=pipeline.timeout(SWEEP, "estimate", 7200),
    script:
        "../scripts/run_estimate.py"


rule check_reproducible:
    input:
        unpack(reproducibility_inputs),
    output:
        check="results/reproducibility/{model}.json",
    log:
        stdout="results/logs/reproducibility/{model}.stdout",
        stderr="results/logs/reproducibility/{model}.stderr",
        job="results/logs/reproducibility/{model}.job.log",
    conda:
        "../envs/workflow.yaml"
    params:
        pair=reproducibility_pair,
        timeout=pipeline.timeout(SWEEP, "estimate", 7200),
    script:
        "../scripts/check_reproducible.py"
