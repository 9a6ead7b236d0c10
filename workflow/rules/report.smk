# Tables, figures and provenance for people: `snakemake --report report.html` gathers them.


rule summarise_results:
    input:
        runs=paths.RUNS,
        searches=search_targets,
    output:
        summary=report(
            paths.SUMMARY,
            caption="../report/summary_csv.rst",
            category="1. Summary",
        ),
        markdown=report(
            paths.SUMMARY_MD,
            caption="../report/summary_md.rst",
            category="1. Summary",
        ),
        versions=report(
            paths.VERSIONS_TABLE,
            caption="../report/versions_csv.rst",
            category="3. Tables",
        ),
    log:
        job=paths.SUMMARISE_LOG,
    conda:
        "../envs/workflow.yaml"
    script:
        "../scripts/summarise_results.py"


# One job per study draws every kind of figure its axes call for: the plotting libraries load once.
rule plot_study:
    input:
        runs=paths.RUNS,
        summary=paths.SUMMARY,
        layers=paths.LAYERS,
        training=paths.TRAINING_TABLE,
    output:
        figures=report(
            directory(paths.PLOTS),
            patterns=["{kind}/{name}.png"],
            caption="../report/figures.rst",
            category="2. Study {study}",
            subcategory="{kind}",
        ),
    log:
        job=paths.PLOT_LOG,
    conda:
        "../envs/workflow.yaml"
    params:
        kinds=plot_kinds,
    script:
        "../scripts/plot_study.py"


rule record_config:
    # The configuration exactly as checked, with the NeuroSim commit it ran.
    input:
        adaptations=adaptation_records,
    output:
        config=report(
            paths.CONFIG_RECORD,
            caption="../report/config.rst",
            category="4. Provenance",
        ),
    log:
        job=paths.RECORD_CONFIG_LOG,
    conda:
        "../envs/workflow.yaml"
    params:
        config=RECORDED_CONFIG,
        source=CONFIG_FILE,
    script:
        "../scripts/record_config.py"
