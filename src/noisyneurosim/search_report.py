"""A search study once its waves are done: trials.csv, front.csv, hypervolume.csv, its figure, Optuna's
journal and its section of summary.md (the search_results job)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from . import paths
from .files import read_json
from .search import Trial
from .search_lookup import wave_files
from .search_wave import history

if TYPE_CHECKING:
    from .config import SearchStudy
    from .points import Sweep


def finished(study: SearchStudy, name: str, base: Path, commit: str) -> tuple[list[Trial], dict]:
    """Every setting of a finished search with its results, and its last wave (why it stopped)."""
    files = wave_files(name, base)
    trials = history(study, name, len(files), base, commit)
    return trials, read_json(base / files[-1]) or {}


def trials_table(study: SearchStudy, trials: list[Trial]):
    import pandas as pd

    from .search import front

    spec = study.spec
    on_front = {id(t) for t in front(spec, trials)}
    rows = []
    gpu = 0.0
    for i, t in enumerate(trials):
        gpu += t.gpu_hours
        row = {"setting": i + 1, "wave": t.wave, "status": t.status, "reason": t.reason or missed(spec, t), **t.combo}
        for column in spec.columns:
            row[column] = t.values.get(column)
        seeds_rows = t.rows
        low = [r.get("accuracy_low") for r in seeds_rows if r.get("accuracy_low") is not None]
        high = [r.get("accuracy_high") for r in seeds_rows if r.get("accuracy_high") is not None]
        row["accuracy_low"] = min(low) if low else None  # the seeds' 95 % intervals, joined
        row["accuracy_high"] = max(high) if high else None
        row["feasible"] = t.feasible(spec)
        row["on_front"] = id(t) in on_front
        row["new_inference_runs"] = t.new_inference_runs
        row["gpu_hours_planned"] = t.gpu_hours
        row["gpu_hours_so_far"] = gpu
        row["cpu_hours_planned"] = t.cpu_hours
        row["point_ids"] = " ".join(r["point_id"] for r in t.points)
        rows.append(row)
    return pd.DataFrame(rows)


def missed(spec, trial: Trial) -> str:
    """Which constraints a finished setting misses, with its values ('' when it meets them all)."""
    if trial.status != "ok":
        return ""
    misses = [
        f"{c} ({trial.values[c.column]:.4g})" for c in spec.constraints if c.violation(trial.values[c.column]) > 0
    ]
    return "misses " + "; ".join(misses) if misses else ""


def hypervolume_table(study: SearchStudy, trials: list[Trial]):
    """The front's hypervolume after each setting, in the order proposed, against settings and GPU hours."""
    import pandas as pd

    from .search import front, hypervolume, minimised, reference_point

    spec = study.spec
    reference = reference_point(spec, trials)
    rows = []
    gpu = 0.0
    for i, t in enumerate(trials):
        gpu += t.gpu_hours
        volume = None
        if reference is not None:
            volume = hypervolume([minimised(spec, f) for f in front(spec, trials[: i + 1])], reference)
        rows.append({"settings_evaluated": i + 1, "gpu_hours": gpu, "hypervolume": volume})
    table = pd.DataFrame(rows)
    final = table["hypervolume"].iloc[-1] if len(table) else None
    table["share_of_final"] = table["hypervolume"] / final if final else None
    table.attrs["reference"] = reference
    return table


def write_results(sweep: Sweep, name: str, out: dict, base: Path = Path(".")) -> None:
    """trials.csv, front.csv, hypervolume.csv, the figure, Optuna's journal and the summary section."""
    from .files import write_checked
    from .search import front

    study = sweep.searches[name]
    trials, last = finished(study, name, base, sweep.commit)
    table = trials_table(study, trials)
    # the tables carry a checksum (integrity.search_table_problems: a hand edit is found, they are made again)
    write_checked(Path(out["trials"]), table.to_csv(index=False))
    front_table = table[table["on_front"]] if len(table) else table
    first = study.spec.objectives[0] if study.spec.objectives else None
    if first is not None and len(front_table):
        front_table = front_table.sort_values(first[0], ascending=first[1] == "min")
    write_checked(Path(out["front"]), front_table.to_csv(index=False))
    volume = hypervolume_table(study, trials)
    write_checked(Path(out["hypervolume"]), volume.to_csv(index=False))
    write_figure(study, name, table, volume, Path(out["figure"]))
    write_journal(study, name, trials, Path(out["journal"]))
    write_checked(Path(out["summary"]), summary_section(study, name, trials, front(study.spec, trials), volume, last))


def write_figure(study: SearchStudy, name: str, table, volume, out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    from .knobs import label

    spec = study.spec
    fig, (ax, ax_hv) = plt.subplots(1, 2, figsize=(11, 4.5), gridspec_kw={"width_ratios": [3, 2]})
    ok = table[table["status"] == "ok"] if len(table) else table
    if len(spec.objectives) >= 2 and len(ok):
        (x, dx), (y, dy) = spec.objectives[0], spec.objectives[1]
        rest = ok[~ok["on_front"]]
        ax.scatter(rest[x], rest[y], s=18, c="0.6", label=f"explored ({len(ok)} settings)")
        infeasible = ok[~ok["feasible"]]
        if len(infeasible):
            ax.scatter(infeasible[x], infeasible[y], s=18, marker="x", c="0.4", label="fails a constraint")
        on = ok[ok["on_front"]].sort_values(x)
        if len(on) and len(spec.objectives) == 2:  # no front: a note below, not an empty legend entry
            ax.plot(on[x], on[y], "o:", c="C3", label=f"front ({len(on)} settings)")
        elif len(on):  # a front in more objectives than drawn: marks only, some look beaten in this view
            others = ", ".join(c for c, _ in spec.objectives[2:])
            ax.plot(on[x], on[y], "o", c="C3", label=f"front in all objectives, also {others} ({len(on)})")
        for axis, column in (("x", x), ("y", y)):  # values over orders of magnitude: a log axis
            values = ok[column]
            if (values > 0).all() and values.max() > 100 * values.min():
                (ax.set_xscale if axis == "x" else ax.set_yscale)("log")
        if "accuracy" in (x, y) and on["accuracy_low"].notna().any():
            err = [on["accuracy"] - on["accuracy_low"], on["accuracy_high"] - on["accuracy"]]
            kwargs = {"yerr": err} if y == "accuracy" else {"xerr": err}
            ax.errorbar(on[x], on[y], fmt="none", ecolor="C3", alpha=0.6, **kwargs)
        ax.set_xlabel(f"{label(x)} ({dx})")
        ax.set_ylabel(f"{label(y)} ({dy})")
        ax.legend(fontsize=8)
        if not len(on):  # a note, not an empty front: the reasons are in trials.csv
            note = "no setting meets " + ", ".join(map(str, spec.constraints)) + ": no front (trials.csv: reason)"
            ax.text(0.5, 0.02, note, ha="center", va="bottom", fontsize=8, transform=ax.transAxes)
    else:
        note = "one objective: its best settings are in front.csv" if len(ok) else "no setting finished: see trials.csv"
        ax.text(0.5, 0.5, note, ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
    ax.set_title(f"Search {name}: front over the explored settings", fontsize=10)
    if len(volume) and volume["hypervolume"].notna().any():
        # steps with marks: settings that cost no GPU time stack at one x, and one wave may be all there is
        ax_hv.step(volume["settings_evaluated"], volume["hypervolume"], where="post", c="C0")
        ax_hv.set_xlabel("settings evaluated")
        ax_hv.xaxis.set_major_locator(MaxNLocator(integer=True))  # a count: no 2.5 settings
        ax_hv.set_ylabel("hypervolume of the front")
        gpu = volume["gpu_hours"].iloc[-1]
        ax_hv.set_title(
            f"Hypervolume as the search went ({hours_text(gpu)} GPU h planned;\nagainst GPU hours: hypervolume.csv)",
            fontsize=10,
        )
    else:  # no front, no hypervolume: say so instead of drawing empty 0-1 axes
        ax_hv.text(0.5, 0.5, "no front yet: no hypervolume", ha="center", va="center", transform=ax_hv.transAxes)
        ax_hv.set_axis_off()
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp.png")
    fig.savefig(tmp, dpi=120)
    plt.close(fig)
    tmp.replace(out)


def write_journal(study: SearchStudy, name: str, trials: list[Trial], out: Path) -> None:
    """Optuna's journal of the search (open it with optuna-dashboard), written afresh from the waves."""
    import optuna
    from optuna.storages.journal import JournalFileBackend

    from .search import DIRECTIONS, replay_into

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.unlink(missing_ok=True)
    storage = optuna.storages.JournalStorage(JournalFileBackend(str(tmp)))
    spec = study.spec
    journal = optuna.create_study(
        study_name=name, storage=storage, directions=[DIRECTIONS[d] for _, d in spec.objectives]
    )

    def attributes(trial, t: Trial) -> None:
        trial.set_user_attr("setting", t.combo)  # a numeric knob of three or more values is a rank in params
        trial.set_user_attr("wave", t.wave)
        trial.set_user_attr("point_ids", [r["point_id"] for r in t.points])

    replay_into(journal, spec, trials, attributes)
    tmp.replace(out)


def summary_section(study: SearchStudy, name: str, trials: list[Trial], best: list[Trial], volume, last: dict) -> str:
    from .knobs import display

    spec = study.spec
    tried = [t for t in trials if t.status != "rejected"]
    ok = [t for t in tried if t.status == "ok"]
    failed = [t for t in tried if t.status == "failed"]
    runs = sum(t.new_inference_runs for t in tried)
    # the accuracy settings whose runs a grid of this config makes: used, not opened by the search
    opened: dict[tuple, bool] = {}
    for t in tried:
        part = spec.accuracy_part(t.combo)
        opened[part] = opened.get(part, False) or t.new_inference_runs > 0
    reused = sum(not o for o in opened.values()) * len(study.context.seeds)
    gpu = sum(t.gpu_hours for t in tried)
    waves = len({t.wave for t in trials}) or 1
    lines = [
        f"## Search {name}",
        "",
        f"{len(tried)} settings tried ({len(tried) * len(study.context.seeds)} points) of the {spec.size():,} in its "
        f"space, in {waves} waves: {runs} inference run{'s' if runs != 1 else ''} beyond the config's grid "
        f"({hours_text(gpu)} GPU hours planned; one already in this folder is reused, not redone) and {reused} "
        f"of the grid's; {len(ok)} ok, "
        f"{len(failed)} failed, {len(trials) - len(tried)} rejected before running. "
        f"Stopped: {last.get('why') or 'done'}.",
        "",
        "Objectives: "
        + ", ".join(f"{c} ({d})" for c, d in spec.objectives)
        + ("; constraints: " + ", ".join(map(str, spec.constraints)) if spec.constraints else "")
        + ". Values are means over the study's seeds.",
        "",
    ]
    if best:
        columns = list(spec.space) + [c for c in spec.columns]
        lines += ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
        for t in sorted(best, key=lambda t: t.values[spec.objectives[0][0]]):
            cells = [display(k, t.combo[k]) for k in spec.space] + [f"{t.values[c]:.4g}" for c in spec.columns]
            lines.append("| " + " | ".join(cells) + " |")
        if len(volume) and volume["hypervolume"].iloc[-1]:
            reached = volume[volume["share_of_final"] >= 0.95].iloc[0]
            lines += [
                "",
                f"The front ({len(best)} settings) reached 95 % of its final hypervolume after "
                f"{int(reached['settings_evaluated'])} settings and {hours_text(reached['gpu_hours'])} GPU hours "
                f"({paths.SEARCH_HYPERVOLUME.format(study=name)}).",
            ]
        lines += ["", how_sure(spec, trials, best, volume)]
    else:
        lines.append("No setting met every constraint: there is no front yet (trials.csv has each reason).")
    return "\n".join(lines) + "\n"


def hours_text(hours: float) -> str:
    """Hours as a reader wants them: 0, two significant digits below a tenth (0.0042, not 0.00), else 2 decimals."""
    if hours == 0:
        return "0"
    return f"{hours:.2g}" if abs(hours) < 0.1 else f"{hours:.2f}"


LAST_WAVES = 2  # the waves whose gain tells whether the front was still growing when the budget ran out


def how_sure(spec, trials: list[Trial], best: list[Trial], volume) -> str:
    """How much the last waves added to the front, and the accuracy settings never run next to it."""
    from .knobs import display

    waves = sorted({t.wave for t in trials})
    final = volume["hypervolume"].iloc[-1]
    text = []
    if len(waves) > LAST_WAVES and final:
        cutoff = waves[-LAST_WAVES - 1]
        before = [i for i, t in enumerate(trials) if t.wave <= cutoff]
        earlier = volume["hypervolume"].iloc[before[-1]] if before else 0.0
        added = (final - (earlier or 0.0)) / final
        trend = "still growing: a larger budget would likely move it" if added > 0.05 else "levelling off"
        text.append(
            f"How sure to be: the last {LAST_WAVES} waves (of {len(waves)}) added {100 * added:.1f} % of the "
            f"front's hypervolume ({trend})."
        )
    untried = untried_neighbours(spec, trials, best)
    if untried:
        shown = "; ".join(
            ", ".join(display(k, v) for k, v in zip(spec.accuracy_knobs, p, strict=True)) for p in untried[:8]
        )
        more = f" and {len(untried) - 8} more" if len(untried) > 8 else ""
        text.append(
            f"{len(untried)} accuracy setting{'s' if len(untried) != 1 else ''} next to the front's "
            f"{'were' if len(untried) != 1 else 'was'} never run ({shown}{more}): the front may extend there."
        )
    elif spec.accuracy_knobs:
        text.append("Every accuracy setting next to the front's was run.")
    unseen = values_never_run(spec, trials)
    if unseen:
        shown = "; ".join(f"{k} {', '.join(display(k, v) for v in values)}" for k, values in unseen.items())
        text.append(
            f"No inference run had {shown}: there the model only interpolates between the values that were run, "
            "and a peak between two of them is what the search misses most (README, search benchmark)."
        )
    return " ".join(text)


def values_never_run(spec, trials: list[Trial]) -> dict[str, list]:
    """Each accuracy knob's values that no inference run had (rejected settings ran nothing), in space order."""
    run = spec.runs_of(trials)
    if not run:
        return {}
    seen = [{part[i] for part in run} for i in range(len(spec.accuracy_knobs))]
    missing = {k: [v for v in spec.space[k] if v not in seen[i]] for i, k in enumerate(spec.accuracy_knobs)}
    return {knob: values for knob, values in missing.items() if values}


def untried_neighbours(spec, trials: list[Trial], best: list[Trial]) -> list[tuple]:
    """Accuracy settings one step from a front setting's (one knob to its next value) that were never run."""
    run = spec.runs_of(trials)
    out = []
    for part in dict.fromkeys(spec.accuracy_part(t.combo) for t in best):
        for i, knob in enumerate(spec.accuracy_knobs):
            values = spec.space[knob]
            ordered = sorted(values) if all(isinstance(v, (int, float)) for v in values) else list(values)
            at = ordered.index(part[i])
            steps = [at - 1, at + 1] if len(ordered) > 2 else [1 - at]
            for j in steps:
                if 0 <= j < len(ordered):
                    neighbour = part[:i] + (ordered[j],) + part[i + 1 :]
                    if neighbour not in run and neighbour not in out:
                        out.append(neighbour)
    return out
