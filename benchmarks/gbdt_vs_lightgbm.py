"""GBDT stage wall time and AUC against LightGBM, side by side on a held-out split.

The Criteo sample is split as `resfusion-train` splits it (`load_splits`: 20%
evaluation, then 10% of the rest for early stopping). Three learners fit the same
training rows and early-stop on the same validation rows, and their AUC is measured on
the evaluation rows:

* the GBDT stage: TF-DF's Keras `GradientBoostedTreesModel`, built and fed by
  `resfusion_tf.gbdt.stage` with the defaults in `GBDTConfig`. TF-DF's own log gives
  the split of its wall time into dataset reading and tree training.
* ydf: the same C++ learner with the same hyperparameters, fed numpy arrays directly,
  to show the cost of the learner without the Keras ingestion.
* LightGBM at comparable capacity: the same depth, leaf size, learning rate,
  row and feature sampling and categorical L2, with native categoricals.

The repeats alternate between the learners.

    python benchmarks/gbdt_vs_lightgbm.py
"""

import argparse
import contextlib
import io
import os
import re

import common

import lightgbm  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import tensorflow_decision_forests as tfdf  # noqa: E402
import ydf  # noqa: E402
from resfusion_tf import metrics  # noqa: E402
from resfusion_tf.config import DataConfig, GBDTConfig  # noqa: E402
from resfusion_tf.data.loading import load_splits  # noqa: E402
from resfusion_tf.gbdt.stage import build_gbdt_model, make_tfdf_dataset  # noqa: E402

_DURATION = r"(\d+):(\d+):(\d+(?:\.\d+)?)"


def _seconds(pattern: str, log: str) -> float:
    match = re.search(pattern + _DURATION, log)
    if not match:
        return float("nan")
    hours, minutes, seconds = match.groups()
    return 3600 * int(hours) + 60 * int(minutes) + float(seconds)


def fit_tfdf(splits, config: GBDTConfig, threads: int) -> dict:
    """Fits the GBDT stage's TF-DF model and returns its times, tree count and AUC."""
    with common.Timer() as timer:
        model = build_gbdt_model(config, tfdf.keras.Task.CLASSIFICATION, seed=0)
        train = make_tfdf_dataset(splits.train, splits.train.labels)
        valid = make_tfdf_dataset(splits.valid, splits.valid.labels)
        log = io.StringIO()
        with contextlib.redirect_stdout(log):
            model.fit(train, validation_data=valid, verbose=1)
    scores = model.predict(make_tfdf_dataset(splits.evaluation, splits.evaluation.labels),
                           verbose=0).ravel()
    return {"seconds": timer.seconds,
            "read_seconds": _seconds(r"Training dataset read in ", log.getvalue())
            + _seconds(r"Validation dataset read in ", log.getvalue()),
            "train_seconds": _seconds(r"Model trained in ", log.getvalue()),
            "trees": model.make_inspector().num_trees(),
            "auc": metrics.auc(splits.evaluation.labels, scores)}


def _ydf_frame(table) -> dict:
    return {**table.features, "label": table.labels.astype(np.int64)}


def fit_ydf(splits, config: GBDTConfig, threads: int) -> dict:
    """Fits ydf's GBDT with the stage's hyperparameters on numpy arrays."""
    learner = ydf.GradientBoostedTreesLearner(
        label="label", task=ydf.Task.CLASSIFICATION, num_trees=config.num_trees,
        max_depth=config.max_depth, shrinkage=config.shrinkage,
        min_examples=config.min_examples, max_vocab_count=config.max_vocab_count,
        l2_categorical_regularization=config.l2_categorical_regularization,
        subsample=config.subsample,
        num_candidate_attributes_ratio=config.num_candidate_attributes_ratio,
        early_stopping="LOSS_INCREASE",
        early_stopping_num_trees_look_ahead=config.early_stopping_num_trees_look_ahead,
        random_seed=0, num_threads=threads)
    with common.Timer() as timer:
        model = learner.train(_ydf_frame(splits.train), valid=_ydf_frame(splits.valid),
                              verbose=0)
    scores = model.predict(_ydf_frame(splits.evaluation))
    return {"seconds": timer.seconds, "trees": model.num_trees(),
            "auc": metrics.auc(splits.evaluation.labels, scores)}


def lightgbm_frames(splits):
    """Returns train, valid and eval DataFrames with category dtypes fixed by the training split.

    Values unseen in training and "" (missing) become NaN, which LightGBM treats as
    missing.
    """
    frames = [pd.DataFrame(table.features) for table in
              (splits.train, splits.valid, splits.evaluation)]
    for name in splits.schema.categorical:
        train_values = frames[0][name].replace("", np.nan)
        categories = pd.Index(train_values.dropna().unique())
        for frame in frames:
            known = frame[name].where(frame[name].isin(categories))
            frame[name] = pd.Categorical(known, categories=categories)
    return frames


def fit_lightgbm(splits, config: GBDTConfig, threads: int) -> dict:
    """Fits LightGBM at the capacity of `config`, with early stopping on the validation rows."""
    params = {
        "objective": "binary", "learning_rate": config.shrinkage,
        "max_depth": config.max_depth, "num_leaves": 2 ** config.max_depth,
        "min_data_in_leaf": config.min_examples, "bagging_fraction": config.subsample,
        "bagging_freq": 1, "feature_fraction": config.num_candidate_attributes_ratio,
        "cat_l2": config.l2_categorical_regularization, "num_threads": threads,
        "seed": 0, "verbose": -1,
    }
    with common.Timer() as timer:
        train, valid, evaluation = lightgbm_frames(splits)
        train_set = lightgbm.Dataset(train, splits.train.labels)
        valid_set = lightgbm.Dataset(valid, splits.valid.labels, reference=train_set)
        model = lightgbm.train(params, train_set, num_boost_round=config.num_trees,
                               valid_sets=[valid_set], callbacks=[lightgbm.early_stopping(
                                   config.early_stopping_num_trees_look_ahead, verbose=False)])
    scores = model.predict(evaluation, num_iteration=model.best_iteration)
    return {"seconds": timer.seconds, "trees": model.best_iteration,
            "auc": metrics.auc(splits.evaluation.labels, scores)}


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=common.DEFAULT_CRITEO_SAMPLE, help="Criteo TSV file.")
    parser.add_argument("--repeats", type=int, default=3, help="Alternating rounds.")
    parser.add_argument("--threads", type=int, default=os.cpu_count(),
                        help="Training threads of every learner.")
    parser.add_argument("--output", default="gbdt_vs_lightgbm",
                        help="Results file name under benchmarks/results/; empty writes none.")
    args = parser.parse_args()

    report = common.Report(args.output, write=bool(args.output))
    splits = load_splits(DataConfig(dataset="criteo", train_path=args.data))
    config = GBDTConfig(num_threads=args.threads)
    report.print(f"data: {args.data}: {len(splits.train)} training, {len(splits.valid)} "
                 f"validation (early stopping), {len(splits.evaluation)} evaluation rows")
    report.print(f"GBDTConfig: {config}")

    learners = {"TF-DF (GBDT stage)": fit_tfdf, "ydf (same learner)": fit_ydf,
                "LightGBM": fit_lightgbm}
    results = {name: [] for name in learners}
    for repeat in range(args.repeats):
        for name, fit in learners.items():
            result = fit(splits, config, args.threads)
            results[name].append(result)
            extra = ""
            if "read_seconds" in result:
                extra = (f" (TF-DF log: datasets read in {result['read_seconds']:.1f} s, "
                         f"trees trained in {result['train_seconds']:.1f} s)")
            report.print(f"round {repeat + 1}: {name:<20} {result['seconds']:6.1f} s, "
                         f"{result['trees']:4d} trees, AUC {result['auc']:.5f}{extra}")

    report.print()
    report.print(f"{'learner':<20} {'wall s':>8} {'trees':>6} {'eval AUC':>9} "
                 f"{'time / LightGBM':>16} {'AUC - LightGBM':>15}")
    reference_time = common.median([r["seconds"] for r in results["LightGBM"]])
    reference_auc = results["LightGBM"][0]["auc"]
    for name, runs in results.items():
        seconds = common.median([r["seconds"] for r in runs])
        auc = runs[0]["auc"]
        report.print(f"{name:<20} {seconds:8.1f} {runs[0]['trees']:6d} {auc:9.5f} "
                     f"{seconds / reference_time:15.2f}x {auc - reference_auc:+15.5f}")
    tfdf_runs = results["TF-DF (GBDT stage)"]
    report.print()
    report.print(f"TF-DF wall time, median: {common.median([r['seconds'] for r in tfdf_runs]):.1f} s, "
                 f"of which dataset reading {common.median([r['read_seconds'] for r in tfdf_runs]):.1f} s "
                 f"and tree training {common.median([r['train_seconds'] for r in tfdf_runs]):.1f} s "
                 "(the rest is Keras tracing and model compilation).")
    report.save()


if __name__ == "__main__":
    main()
