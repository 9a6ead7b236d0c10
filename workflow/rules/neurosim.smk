# Fetch NeuroSim at the pinned commit, stage datasets, build the C++ core.


localrules:
    fetch_neurosim,
    stage_dataset,


rule fetch_neurosim:
    # Runs where the workflow runs (the login node on a cluster): it needs the internet.
    output:
        checkout=directory(f"{SOURCE}/checkout"),
        adaptations=f"{SOURCE}/adaptations.json",
    params:
        neurosim=SWEEP.config["neurosim"],
    log:
        f"{SOURCE}/fetch.log",
    script:
        "../scripts/fetch_neurosim.py"


rule stage_dataset:
    # Downloads once, here, so that no compute job ever downloads.
    input:
        checkout=rules.fetch_neurosim.output.checkout,
    output:
        flag=f"{pipeline.data_root(SWEEP)}/.staged-{{dataset}}",
    params:
        root=pipeline.data_root(SWEEP),
        python=pipeline.python_command(SWEEP),
        download=SWEEP.config.get("datasets", {}).get("download", True),
    log:
        "results/logs/stage_dataset/{dataset}.log",
    script:
        "../scripts/stage_dataset.py"


rule build_base:
    # The unmodified core, compiled once; every hardware setting relinks against its objects.
    input:
        checkout=rules.fetch_neurosim.output.checkout,
    output:
        base=directory(f"{SOURCE}/base_build"),
    threads: 2
    log:
        f"{SOURCE}/base_build.log",
    script:
        "../scripts/build_base.py"


rule build_hardware:
    input:
        base=rules.build_base.output.base,
    output:
        main="results/builds/{hw}/main",
        diff="results/builds/{hw}/Param.cpp.diff",
        record="results/builds/{hw}/build.json",
    params:
        values=param_values,
        commit=SWEEP.commit,
    log:
        "results/logs/build/{hw}.log",
    script:
        "../scripts/build_hardware.py"
