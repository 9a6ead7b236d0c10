# Fetch NeuroSim at each pinned commit (one per version), stage datasets, build the C++ core.
# Params hold only what decides a result (README: what reruns a job); where things are and how long
# a job may take are read from the config by the scripts, so editing them reruns nothing.


localrules:
    fetch_neurosim,
    stage_dataset,


rule fetch_neurosim:
    # Runs where the workflow runs (the login node on a cluster): it needs the internet. One per version.
    output:
        checkout=directory(paths.CHECKOUT),
        adaptations=report(
            paths.ADAPTATIONS,
            caption="../report/adaptations.rst",
            category="4. Provenance",
        ),
    log:
        job=paths.FETCH_LOG,
    conda:
        "../envs/workflow.yaml"
    params:
        commit=fetch_identity,
        adaptations=ADAPTATIONS_FINGERPRINT,
    script:
        "../scripts/fetch_neurosim.py"


rule stage_dataset:
    # Downloads (or generates, with datasets.synthetic) once, here, so that no compute job ever downloads,
    # and proves that NeuroSim's Python reads it. Where the data lives and the interpreter are read from
    # the config: moving them reruns nothing; a run with GPU work stages again first (onstart).
    input:
        checkout=paths.CHECKOUT.format(commit=MAIN_COPY),
    output:
        flag=paths.STAGED,
    log:
        stdout=paths.STAGE_STDOUT,
        stderr=paths.STAGE_STDERR,
        job=paths.STAGE_JOB_LOG,
    conda:
        NEUROSIM_CONDA
    envmodules:
        *NEUROSIM_MODULES,
    params:
        download=SETTINGS.download,
        synthetic=SETTINGS.synthetic_test_images,
    script:
        "../scripts/stage_dataset.py"


rule build_base:
    # The unmodified core, compiled once; every hardware setting relinks against its objects.
    input:
        checkout=checkout_of_base,
    output:
        base=directory(paths.BASE_BUILD),
    log:
        make=paths.BASE_BUILD_LOG,
        job=paths.BASE_BUILD_JOB_LOG,
    conda:
        "../envs/workflow.yaml"
    threads: 2
    script:
        "../scripts/build_base.py"


rule build_hardware:
    input:
        base=base_build_of,
    output:
        main=paths.BUILD_MAIN,
        diff=report(
            paths.PARAM_DIFF,
            caption="../report/param_diff.rst",
            category="4. Provenance",
            subcategory="Param.cpp per hardware setting",
            labels={"hardware setting": "{hw}"},
        ),
        record=paths.BUILD_RECORD,
    log:
        make=paths.BUILD_MAKE_LOG,
        job=paths.BUILD_JOB_LOG,
    conda:
        "../envs/workflow.yaml"
    params:
        values=param_values,
        commit=commit_of_hardware,
    script:
        "../scripts/build_hardware.py"
