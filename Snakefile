# NoisyNeuroSIM's workflow is workflow/Snakefile (the layout the Snakemake catalog and snakedeploy expect).
# This file runs it from the repository's root: `snakemake` here, with results/ here, as before. An
# `include:` would keep this file's default target (none); the workflow's own, rule all, is wanted.
workflow.include("workflow/Snakefile", overwrite_default_target=True)
