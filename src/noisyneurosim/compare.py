"""NeuroSim versions side by side: per point and metric, each version's value against the study's first.

A study that names several versions (`neurosim_versions`) runs every point on each; the same knob setting
and seed on two versions is one point pair. The first version a study lists is its reference; the relative
difference of another version is (value - reference) / |reference|.
"""

from __future__ import annotations

import pandas as pd

from .knobs import KNOBS

VERSION_COLUMN = "neurosim_version"
# what users compare between versions, in the order the table and the figure show them
METRICS = {
    "accuracy": "Accuracy",
    "tops_per_w": "TOPS/W",
    "tops": "TOPS",
    "chip_area_um2": "Chip area",
    "dynamic_energy_pj": "Dynamic energy",
    "adc_energy_pj": "ADC energy",
    "leakage_power_uw": "Leakage power",
    "latency_ns": "Latency",
}
COLUMNS = [
    "study",
    "setting",
    "seed",
    "metric",
    "reference_version",
    "version",
    "reference_value",
    "value",
    "relative_difference",
    "reference_point_id",
    "point_id",
]


def versions_of(runs: pd.DataFrame) -> list[str]:
    """The versions a study's rows ran on, its reference first (points are made version by version)."""
    return list(dict.fromkeys(runs[VERSION_COLUMN].dropna())) if VERSION_COLUMN in runs else []


def compares(runs: pd.DataFrame) -> bool:
    return len(versions_of(runs)) > 1


def reference_rows(runs: pd.DataFrame) -> pd.DataFrame:
    """The rows of a study's reference version (all rows where the study runs on one version)."""
    versions = versions_of(runs)
    return runs[runs[VERSION_COLUMN] == versions[0]] if len(versions) > 1 else runs


def setting_label(row: pd.Series, swept: list[str]) -> str:
    return ", ".join(f"{k}={row[k]}" for k in swept) or "the study's setting"


def differences(runs: pd.DataFrame) -> pd.DataFrame:
    """One row per study, point pair (setting and seed), metric and compared version (results/versions.csv);
    pairs where either point has no finished result are left out (runs.csv says why)."""
    from .aggregate import decode_swept

    out = []
    for study, part in runs.groupby("study", sort=False):
        versions = versions_of(part)
        if len(versions) < 2:
            continue
        swept = [k for k in dict.fromkeys(k for cell in part["swept"] for k in decode_swept(cell)) if k in KNOBS]
        keys = [k for k in KNOBS if k in part.columns] + ["seed"]
        done = part[part["status"] == "ok"]
        reference = done[done[VERSION_COLUMN] == versions[0]]
        for version in versions[1:]:
            pairs = reference.merge(done[done[VERSION_COLUMN] == version], on=keys, suffixes=("_ref", ""))
            for _, row in pairs.iterrows():
                for metric in METRICS:
                    ref, value = row.get(f"{metric}_ref"), row.get(metric)
                    out.append(
                        {
                            "study": study,
                            "setting": setting_label(row, swept),
                            "seed": row["seed"],
                            "metric": metric,
                            "reference_version": versions[0],
                            "version": version,
                            "reference_value": ref,
                            "value": value,
                            "relative_difference": (value - ref) / abs(ref) if ref else float("nan"),
                            "reference_point_id": row["point_id_ref"],
                            "point_id": row["point_id"],
                        }
                    )
    return pd.DataFrame(out, columns=COLUMNS)
