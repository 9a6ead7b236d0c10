# Gather every point's accuracy and hardware numbers into the tables.


rule collect_results:
    input:
        accuracy=pipeline.accuracy_files(SWEEP),
        estimates=pipeline.estimate_files(SWEEP),
        builds=expand("results/builds/{hw}/build.json", hw=sorted(HARDWARE)),
        reproducibility=pipeline.reproducibility_files(SWEEP),
    output:
        runs=report(
            "results/runs.csv",
            caption="../report/runs.rst",
            category="Tables",
        ),
        layers=report(
            "results/layers.csv",
            caption="../report/layers_csv.rst",
            category="Tables",
        ),
    log:
        job="results/logs/collect_results.log",
    conda:
        "../envs/workflow.yaml"
    params:
        config_file=CONFIG_FILE,
    script:
        "../scripts/collect_results.py"


onsuccess:
    # A sweep with failed points must not look like a clean success.
    pipeline.report_outcome("results/runs.csv")
