# Fetch NeuroSim at the pinned commit, stage datasets, build the C++ core.


localrules:
    fetch_neurosim,
    stage_dataset,


rule fetch_neurosim:
    # Runs where the workflow runs (the login node on a cluster): it needs the internet.
    output:
        checkout=directory(f"{SOURCE}/checkout"),
        adaptations=report(
            f"{SOURCE}/adaptations.json",
            caption="../report/adaptations.rst",
            category="Provenance",
        ),
    log:
        job=f"{SOURCE}/fetch.log",
    conda:
        "../envs/workflow.yaml"
    params:
        neurosim=SWEEP.config["neurosim"],
    script:
        "../scripts/fetch_neurosim.py"


rule stage_dataset:
    # Downloads once, here, so that no compute job ever downloads.
    input:
        checkout=rules.fetch_neurosim.output.checkout,
    output:
        flag=f"{pipeline.data_root(SWEEP)}/.staged-{{dataset}}",
    log:
        stdout="results/logs/stage_dataset/{dataset}.stdout",
        stderr="results/logs/stage_dataset/{dataset}.stderr",
        job="results/logs/stage_dataset/{dataset}.job.log",
    conda:
        NEUROSIM_CONDA
    envmodules:
        *NEUROSIM_MODULES,
    params:
        python=pipeline.python_command(SWEEP),
        download=SWEEP.config.get("datasets", {}).get("download", True),
        synthetic=pipeline.synthetic(SWEEP),
    script:
        "../scripts/stage_dataset.py"


rule build_base:
    # The unmodified core, compiled once; every hardware setting relinks against its objects.
    input:
        checkout=rules.fetch_neurosim.output.checkout,
    output:
        base=directory(f"{SOURCE}/base_build"),
    log:
        make=f"{SOURCE}/base_build.log",
        job=f"{SOURCE}/base_build.job.log",
    conda:
        "../envs/workflow.yaml"
    threads: 2
    script:
        "../scripts/build_base.py"


rule build_hardware:
    input:
        base=rules.build_base.output.base,
    output:
        main="results/builds/{hw}/main",
        diff=report(
            "results/builds/{hw}/Param.cpp.diff",
            caption="../report/param_diff.rst",
            category="Provenance",
            subcategory="Param.cpp per hardware setting",
            labels={"hardware setting": "{hw}"},
        ),
        record="results/builds/{hw}/build.json",
    log:
        make="results/logs/build/{hw}.log",
        job="results/logs/build/{hw}.job.log",
    conda:
        "../envs/workflow.yaml"
    params:
        values=param_values,
        commit=SWEEP.commit,
    script:
        "../scripts/build_hardware.py"
