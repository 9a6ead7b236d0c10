# Gather every point's accuracy and hardware numbers into the tables.


localrules:
    record_points,


# The expanded sweep, written by a job (Snakemake's lock then covers it): another config run on the same
# folder, even a dry run, cannot change what a running sweep reports.
rule record_points:
    output:
        points=paths.POINTS,
    log:
        job=paths.RECORD_POINTS_LOG,
    conda:
        "../envs/workflow.yaml"
    params:
        digest=pipeline.points_digest(SWEEP),
        source=CONFIG_FILE,
    script:
        "../scripts/record_points.py"


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
        adaptations=adaptation_records,
        # search studies' points: known once their searches have stopped
        searches=search_targets,
    output:
        runs=report(
            paths.RUNS,
            caption="../report/runs.rst",
            category="3. Tables",
        ),
        layers=report(
            paths.LAYERS,
            caption="../report/layers_csv.rst",
            category="3. Tables",
        ),
        training=report(
            paths.TRAINING_TABLE,
            caption="../report/training_csv.rst",
            category="3. Tables",
        ),
    log:
        job=paths.COLLECT_LOG,
    conda:
        "../envs/workflow.yaml"
    params:
        searches=SEARCHES,
    script:
        "../scripts/collect_results.py"


# Every run that executes jobs ends here, also one with nothing else to do: onsuccess then says how the sweep
# stands and exits non-zero while points are failed or missing. Its one mark lies in Snakemake's own folder,
# removed before each such run (common.smk: outcome_mark); a dry run finds it and has nothing to do.
rule report_outcome:
    input:
        runs=paths.RUNS,
    output:
        mark=touch(paths.OUTCOME_MARK),
    log:
        job=paths.OUTCOME_LOG,
    localrule: True
    conda:
        "../envs/workflow.yaml"
    shell:
        "echo 'the final line follows from onsuccess' > {log.job}"
