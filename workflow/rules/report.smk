# Tables, figures and provenance for people: `snakemake --report report.html` gathers them.
from noisyneurosim.figures import PLOT_KINDS


rule summarise_results:
    input:
        runs="results/runs.csv",
    output:
        summary=report(
            "results/summary.csv",
            caption="../report/summary_csv.rst",
            category="Summary",
        ),
        markdown=report(
            "results/summary.md",
            caption="../report/summary_md.rst",
            category="Summary",
        ),
    log:
        job="results/logs/summarise_results.log",
    conda:
        "../envs/workflow.yaml"
    script:
        "../scripts/summarise_results.py"


for plot_kind in PLOT_KINDS:

    rule:
        name:
            f"plot_{plot_kind}"
        input:
            runs="results/runs.csv",
            summary="results/summary.csv",
            layers="results/layers.csv",
        output:
            figures=report(
                directory(f"results/plots/{{study}}/{plot_kind}"),
                patterns=["{name}.png"],
                caption=f"../report/{plot_kind}.rst",
                category="{study}",
                subcategory=plot_kind,
            ),
        log:
            job=f"results/logs/plots/{{study}}/{plot_kind}.log",
        conda:
            "../envs/workflow.yaml"
        params:
            kind=plot_kind,
        script:
            "../scripts/plot_study.py"


rule record_config:
    # The configuration exactly as checked, with the NeuroSim commit it ran.
    input:
        adaptations=rules.fetch_neurosim.output.adaptations,
    output:
        config=report(
            "results/config.yaml",
            caption="../report/config.rst",
            category="Provenance",
        ),
    log:
        job="results/logs/record_config.log",
    conda:
        "../envs/workflow.yaml"
    params:
        config=config,
        source=CONFIG_FILE,
    script:
        "../scripts/record_config.py"
