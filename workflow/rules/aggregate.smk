# Gather every point's accuracy and hardware numbers into the tables.


rule collect_results:
    input:
        points=paths.POINTS,
        accuracy=pipeline.accuracy_files(SWEEP),
        estimates=pipeline.estimate_files(SWEEP),
        builds=pipeline.build_records(SWEEP),
        reproducibility=pipeline.reproducibility_files(SWEEP),
        training=pipeline.training_records(SWEEP),
        # a path, not rules.fetch_neurosim.output: a rule reference beside the long lists above makes
        # Snakemake hash each list once per file in it (minutes at 10,000 points)
        adaptations=paths.ADAPTATIONS.format(commit=SETTINGS.commit),
    output:
        runs=report(
            paths.RUNS,
            caption="../report/runs.rst",
            category="Tables",
        ),
        layers=report(
            paths.LAYERS,
            caption="../report/layers_csv.rst",
            category="Tables",
        ),
        training=report(
            paths.TRAINING_TABLE,
            caption="../report/training_csv.rst",
            category="Tables",
        ),
    log:
        job=paths.COLLECT_LOG,
    conda:
        "../envs/workflow.yaml"
    script:
        "../scripts/collect_results.py"


onsuccess:
    # A sweep with failed points must not look like a clean success.
    pipeline.report_outcome(paths.RUNS)
