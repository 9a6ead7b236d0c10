# Search studies (search: in a study): settings proposed in waves, each wave a checkpoint like an
# inference run's accuracy waves; every proposed setting is a set of ordinary points (same ids as a grid's).


localrules:
    search_wave,
    search_results,


# proposed by Optuna from every earlier wave's results; the wave files are the search's record. Run in
# Snakemake's own process (a local job): the Python where the config check found the sampler's packages
# (sampler gp: torch and scipy), which a conda environment would not have.
checkpoint search_wave:
    input:
        unpack(search_wave_inputs),
    output:
        wave=paths.SEARCH_WAVE,
    log:
        job=paths.SEARCH_WAVE_LOG,
    params:
        spec=search_spec,
    run:
        # the wave job's code, imported by the job: the planner needs none of it
        from noisyneurosim.search_wave import wave_job

        wave_job(SWEEP, wildcards.study, int(wildcards.wave), output.wave, log.job)


rule search_results:
    input:
        unpack(search_result_inputs),
    output:
        trials=report(
            paths.SEARCH_TRIALS,
            caption="../report/search_trials.rst",
            category="2. Study {study}",
            subcategory="search",
        ),
        front=report(
            paths.SEARCH_FRONT,
            caption="../report/search_front_csv.rst",
            category="2. Study {study}",
            subcategory="search",
        ),
        hypervolume=paths.SEARCH_HYPERVOLUME,
        figure=report(
            paths.SEARCH_FIGURE,
            caption="../report/search_front.rst",
            category="2. Study {study}",
            subcategory="search",
        ),
        summary=paths.SEARCH_SUMMARY,
        journal=paths.SEARCH_JOURNAL,
    log:
        job=paths.SEARCH_RESULTS_LOG,
    conda:
        "../envs/workflow.yaml"
    script:
        "../scripts/search_results.py"
