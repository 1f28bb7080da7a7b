"""Result tables and charts of an experiment: results.csv, results.md and auc.png."""

import dataclasses
import importlib.metadata
import os
import platform
import subprocess
import sys

import numpy as np
import pandas as pd

# Columns of results.csv. `table` is "models" for the comparison and "k_study" for the
# residual-iteration study. `train_seconds` is wall-clock time of the whole fit,
# cross-fitting included, and is empty for the K study.
RESULT_COLUMNS = ("table", "model", "stages", "k", "seed", "auc", "logloss", "train_seconds",
                  "parameters", "eval_rows")

# Baselines that ResFusion is compared against in the summary of results.md.
RESFUSION_MODEL = "GBDTRes+DeepFM"
COMPARED_BASELINES = ("GBDT", "DeepFM", "GBDT+DeepFM")

_PACKAGES = ("tensorflow", "tensorflow-decision-forests", "keras", "tf_keras", "ydf", "numpy",
             "pandas", "matplotlib")


@dataclasses.dataclass
class RunHeader:
    """Provenance of a table: the command, code revision, package versions and the machine.

    Attributes:
        command: The exact command line.
        packages: Package name to installed version.
        machine: One-line description of the CPU, memory and accelerators.
        data: One-line description of the data and splits.
        revision: Git commit of the code, with "+ uncommitted changes" when the
            tree differs from it. Defaults to "".
    """

    command: str
    packages: dict[str, str]
    machine: str
    data: str
    revision: str = ""


def package_versions() -> dict[str, str]:
    """Returns the installed version of each package of the stack, and Python's."""
    versions = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _memory_gib() -> str:
    try:
        with open("/proc/meminfo", encoding="utf-8") as handle:
            kib = int(handle.readline().split()[1])
        return f"{kib / 2**20:.0f} GiB"
    except (OSError, ValueError, IndexError):
        return "unknown"


def machine_description() -> str:
    """Returns the OS, CPU model, usable core count, memory and visible GPUs."""
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (f"{platform.system()} {platform.release()}, {_cpu_model()}, {cores} usable cores, "
            f"{_memory_gib()} memory, {len(gpus)} GPUs")


def code_revision() -> str:
    """Returns the git commit of the checkout, or "unknown" outside a git checkout."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root,
                                capture_output=True, text=True, check=True, timeout=30)
        status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                                cwd=root, capture_output=True, text=True, check=True,
                                timeout=30)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    revision = commit.stdout.strip()
    if status.stdout.strip():
        revision += " + uncommitted changes"
    return revision


def make_header(data: str) -> RunHeader:
    """Returns the header of the current process: its command line, code, packages and machine."""
    command = " ".join(["python -m experiments.run", *sys.argv[1:]])
    return RunHeader(command, package_versions(), machine_description(), data, code_revision())


def _mean_std(values: pd.Series, digits: int) -> str:
    values = values.dropna()
    if values.empty:
        return "n/a"
    std = values.std(ddof=1) if len(values) > 1 else 0.0
    return f"{values.mean():.{digits}f} ± {std:.{digits}f}"


def summarize_models(results: pd.DataFrame) -> pd.DataFrame:
    """Returns one row per model: mean ± std of AUC, logloss and train time, and parameters.

    The std is the sample standard deviation over seeds (0 with one seed). Models keep
    their first-appearance order.
    """
    rows = []
    models = results[results["table"] == "models"]
    for model, group in models.groupby("model", sort=False):
        rows.append({
            "model": model,
            "seeds": len(group),
            "AUC": _mean_std(group["auc"], 4),
            "logloss": _mean_std(group["logloss"], 4),
            "train s": _mean_std(group["train_seconds"], 1),
            "parameters": f"{group['parameters'].mean():,.0f}",
        })
    return pd.DataFrame(rows)


def summarize_k_study(results: pd.DataFrame) -> pd.DataFrame:
    """Returns one row per K: the stages and mean ± std of AUC and logloss over seeds."""
    rows = []
    study = results[results["table"] == "k_study"]
    for k, group in study.groupby("k", sort=True):
        rows.append({
            "K": int(k),
            "stages": group["stages"].iloc[0],
            "seeds": len(group),
            "AUC": _mean_std(group["auc"], 4),
            "logloss": _mean_std(group["logloss"], 4),
            "parameters": f"{group['parameters'].mean():,.0f}",
        })
    return pd.DataFrame(rows)


def compare_resfusion(results: pd.DataFrame) -> list[str]:
    """Returns one sentence per baseline: ResFusion's mean AUC gain and its size in stds.

    The gain is divided by the larger of the two models' std over seeds. Baselines
    missing from `results` are left out.
    """
    models = results[results["table"] == "models"]
    if RESFUSION_MODEL not in set(models["model"]):
        return []
    resfusion = models[models["model"] == RESFUSION_MODEL]["auc"]
    lines = []
    for baseline in COMPARED_BASELINES:
        other = models[models["model"] == baseline]["auc"]
        if other.empty:
            continue
        gain = resfusion.mean() - other.mean()
        std = max(resfusion.std(ddof=1) if len(resfusion) > 1 else 0.0,
                  other.std(ddof=1) if len(other) > 1 else 0.0)
        size = f"{gain / std:+.1f} std" if std > 0 else "std not available"
        verdict = "equal"
        if gain > 0:
            verdict = "higher"
        elif gain < 0:
            verdict = "lower"
        lines.append(f"- {RESFUSION_MODEL} vs {baseline}: mean AUC {verdict} by {gain:+.4f} "
                     f"({size}; larger std of the two: {std:.4f}).")
    return lines


def _markdown_table(frame: pd.DataFrame) -> str:
    columns = list(frame.columns)
    lines = ["| " + " | ".join(columns) + " |", "|" + "|".join(" --- " for _ in columns) + "|"]
    for _, row in frame.iterrows():
        lines.append("| " + " | ".join(str(row[column]) for column in columns) + " |")
    return "\n".join(lines)


def render_markdown(dataset: str, header: RunHeader, results: pd.DataFrame, notes: str) -> str:
    """Returns results.md: the header, the model table, the comparison and the K table."""
    versions = ", ".join(f"{name} {version}" for name, version in header.packages.items())
    parts = [
        f"# {dataset}: model comparison",
        "",
        f"- Command: `{header.command}`",
    ]
    if header.revision:
        parts.append(f"- Code: git {header.revision}")
    parts += [
        f"- Packages: {versions}",
        f"- Machine: {header.machine}",
        f"- Data: {header.data}",
    ]
    if notes:
        parts.append(f"- Notes: {notes}")
    parts += [
        "",
        "Test-split metrics, mean ± sample std over model seeds. Every seed uses the same "
        "split, so the std measures training randomness only, not test-sampling noise. "
        "Early stopping and every other choice use the validation split, never the test "
        "split. Parameters count Keras weights plus GBDT tree nodes. Train time is "
        "wall-clock time on a machine shared with other jobs, so it is only a rough guide.",
        "",
        "## Models",
        "",
        _markdown_table(summarize_models(results)),
    ]
    comparison = compare_resfusion(results)
    if comparison:
        parts += ["", f"## {RESFUSION_MODEL} against its baselines", "", *comparison]
    study = summarize_k_study(results)
    if not study.empty:
        parts += [
            "",
            "## Residual iterations K",
            "",
            "K = 0 is the GBDT alone; each iteration adds one residual stage, alternating "
            "GBDT and DeepFM. All K come from one run per seed of the longest pipeline, "
            "read after each stage.",
            "",
            _markdown_table(study),
        ]
    return "\n".join(parts) + "\n"


def plot_auc(dataset: str, results: pd.DataFrame, path: str) -> None:
    """Writes a bar chart of mean test AUC and logloss per model, with std error bars."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    models = results[results["table"] == "models"]
    grouped = models.groupby("model", sort=False)
    names = list(grouped.groups)
    figure, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    for axis, metric in zip(axes, ("auc", "logloss")):
        means = grouped[metric].mean().reindex(names)
        stds = grouped[metric].std(ddof=1).reindex(names).fillna(0.0)
        positions = np.arange(len(names))
        colors = ["tab:red" if name == RESFUSION_MODEL else "tab:blue" for name in names]
        axis.bar(positions, means, yerr=stds, capsize=3, color=colors)
        axis.set_xticks(positions, names, rotation=60, ha="right", fontsize=8)
        low = float((means - stds).min())
        high = float((means + stds).max())
        margin = max(high - low, 1e-3) * 0.15
        axis.set_ylim(low - margin, high + margin)
        axis.set_ylabel(f"test {metric} (mean ± std over seeds)")
        axis.grid(axis="y", alpha=0.3)
    figure.suptitle(f"{dataset}: test AUC (higher is better) and logloss (lower is better)")
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def write_report(output_dir: str, dataset: str, header: RunHeader, results: pd.DataFrame,
                 notes: str = "") -> dict[str, str]:
    """Writes results.md and auc.png from `results`; returns their paths by name."""
    os.makedirs(output_dir, exist_ok=True)
    paths = {"markdown": os.path.join(output_dir, "results.md"),
             "chart": os.path.join(output_dir, "auc.png")}
    with open(paths["markdown"], "w", encoding="utf-8") as handle:
        handle.write(render_markdown(dataset, header, results, notes))
    if (results["table"] == "models").any():
        plot_auc(dataset, results, paths["chart"])
    else:
        del paths["chart"]
    return paths
