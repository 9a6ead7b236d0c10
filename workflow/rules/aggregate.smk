# Gather every point's accuracy and hardware numbers into the tables.


rule collect_results:
    input:
        accuracy=pipeline.accuracy_files(SWEEP),
        estimates=pipeline.estimate_files(SWEEP),
        builds=expand("results/builds/{hw}/build.json", hw=sorted(HARDWARE)),
    output:
        runs="results/runs.csv",
        layers="results/layers.csv",
    params:
        config_file=CONFIG_FILE,
    log:
        "results/logs/collect_results.log",
    script:
        "../scripts/collect_results.py"
