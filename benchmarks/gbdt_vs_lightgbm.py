"""GBDT stage wall time and AUC against LightGBM, side by side on a held-out split.

The Criteo sample is split as `resfusion-train` splits it (`load_splits`: 20%
evaluation, then 10% of the rest for early stopping). Every learner starts from the
same in-memory columns of raw strings and floats, fits the same training rows,
early-stops on the same validation rows, and is scored by AUC on the evaluation rows:

* the GBDT stage: TF-DF's Keras `GradientBoostedTreesModel`, built and fed by
  `resfusion_tf.gbdt.stage` with the defaults in `GBDTConfig`. TF-DF's own log gives
  the split of its wall time into dataset reading and tree training.
* the same stage with exact numeric splits (`discretize_numerical_features=False`),
  to show what the default binning saves.
* ydf: the same C++ learner with the same hyperparameters, fed numpy arrays directly,
  to show the cost of the learner without the Keras ingestion.
* LightGBM at the same capacity: the same number of split levels and leaves, leaf
  size, learning rate, row sampling, per-node feature sampling and categorical L2,
  with native categoricals. Its time includes turning the string columns into
  pandas categoricals.

The repeats alternate between the learners. The first round pays one-off costs, such
as TensorFlow graph tracing in the TF-DF rounds, so the table reports the median of
the later rounds and the first round apart.

    python benchmarks/gbdt_vs_lightgbm.py
"""

import argparse
import contextlib
import dataclasses
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
from resfusion_tf.data.examples import ExampleTable  # noqa: E402
from resfusion_tf.data.loading import load_splits  # noqa: E402
from resfusion_tf.gbdt.stage import build_gbdt_model, make_tfdf_dataset  # noqa: E402

_DURATION = r"(\d+):(\d+):(\d+(?:\.\d+)?)"
_STAGE = "GBDT stage (TF-DF)"


def _seconds(pattern: str, log: str) -> float:
    match = re.search(pattern + _DURATION, log)
    if not match:
        return float("nan")
    hours, minutes, seconds = match.groups()
    return 3600 * int(hours) + 60 * int(minutes) + float(seconds)


def fit_tfdf(splits, config: GBDTConfig, threads: int) -> dict:
    """Fits the GBDT stage's TF-DF model and returns its times, tree count and AUC."""
    with common.Timer() as timer:
        model = build_gbdt_model(config, tfdf.keras.Task.CLASSIFICATION, seed=0,
                                 numeric_features=splits.schema.numeric)
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
        discretize_numerical_columns=config.discretize_numerical_features,
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
        train_values = frames[0][name]
        categories = pd.Index(pd.unique(train_values[train_values != ""]))
        for frame in frames:
            # get_indexer returns -1 for a value not in `categories`, which from_codes reads as NaN.
            codes = categories.get_indexer(frame[name])
            frame[name] = pd.Categorical.from_codes(codes, categories=categories)
    return frames


def fit_lightgbm(splits, config: GBDTConfig, threads: int) -> dict:
    """Fits LightGBM at the capacity of `config`, with early stopping on the validation rows."""
    # YDF counts the root as depth 1, so its max_depth 4 allows 3 levels of splits and
    # 8 leaves. LightGBM's max_depth counts levels of splits. YDF samples candidate
    # features at every node, as LightGBM's feature_fraction_bynode does.
    split_levels = config.max_depth - 1
    params = {
        "objective": "binary", "learning_rate": config.shrinkage,
        "max_depth": split_levels, "num_leaves": 2 ** split_levels,
        "min_data_in_leaf": config.min_examples, "bagging_fraction": config.subsample,
        "bagging_freq": 1, "feature_fraction_bynode": config.num_candidate_attributes_ratio,
        "cat_l2": config.l2_categorical_regularization, "num_threads": threads,
        "seed": 0, "verbose": -1,
    }
    with common.Timer() as timer:
        with common.Timer() as prepare_timer:
            train, valid, evaluation = lightgbm_frames(splits)
        train_set = lightgbm.Dataset(train, splits.train.labels)
        valid_set = lightgbm.Dataset(valid, splits.valid.labels, reference=train_set)
        model = lightgbm.train(params, train_set, num_boost_round=config.num_trees,
                               valid_sets=[valid_set], callbacks=[lightgbm.early_stopping(
                                   config.early_stopping_num_trees_look_ahead, verbose=False)])
    scores = model.predict(evaluation, num_iteration=model.best_iteration)
    return {"seconds": timer.seconds, "prepare_seconds": prepare_timer.seconds,
            "trees": model.best_iteration,
            "auc": metrics.auc(splits.evaluation.labels, scores)}


def repeat_training_rows(splits, copies: int):
    """Returns `splits` with the training rows repeated `copies` times."""
    if copies == 1:
        return splits
    train = splits.train
    features = {name: np.tile(values, copies) for name, values in train.features.items()}
    repeated = ExampleTable(train.schema, features, np.tile(train.labels, copies))
    return dataclasses.replace(splits, train=repeated)


def _with_exact_splits(fit):
    def fit_exact(splits, config: GBDTConfig, threads: int) -> dict:
        return fit(splits, dataclasses.replace(config, discretize_numerical_features=False),
                   threads)
    return fit_exact


def _details(result: dict) -> str:
    if "read_seconds" in result:
        return (f" (TF-DF log: datasets read in {result['read_seconds']:.1f} s, "
                f"trees trained in {result['train_seconds']:.1f} s)")
    if "prepare_seconds" in result:
        return f" (pandas categoricals built in {result['prepare_seconds']:.1f} s)"
    return ""


def print_summary(report, results: dict) -> None:
    """Prints one line per learner: later-round median, first round, ratios to LightGBM."""
    def later_median(runs):
        return common.median([r["seconds"] for r in runs[1:]])

    report.print(f"{'learner':<26} {'wall s':>7} {'1st round s':>12} {'trees':>6} "
                 f"{'eval AUC':>9} {'time / LightGBM':>16} {'AUC - LightGBM':>15}")
    reference_time = later_median(results["LightGBM"])
    reference_auc = results["LightGBM"][0]["auc"]
    for name, runs in results.items():
        seconds = later_median(runs)
        auc = runs[0]["auc"]
        report.print(f"{name:<26} {seconds:7.1f} {runs[0]['seconds']:12.1f} "
                     f"{runs[0]['trees']:6d} {auc:9.5f} {seconds / reference_time:15.2f}x "
                     f"{auc - reference_auc:+15.5f}")

    tfdf_runs = results[_STAGE][1:]
    lightgbm_runs = results["LightGBM"][1:]
    read = common.median([r["read_seconds"] for r in tfdf_runs])
    trained = common.median([r["train_seconds"] for r in tfdf_runs])
    lightgbm_train = common.median([r["seconds"] - r["prepare_seconds"] for r in lightgbm_runs])
    report.print()
    stage_seconds = later_median(results[_STAGE])
    report.print(f"GBDT stage wall time, median of later rounds: {stage_seconds:.1f} s, "
                 f"of which dataset reading {read:.1f} s and tree training {trained:.1f} s; "
                 "the rest is Keras tracing and model compilation.")
    report.print(f"Tree training alone: TF-DF {trained:.2f} s against LightGBM "
                 f"{lightgbm_train:.2f} s ({trained / lightgbm_train:.1f}x).")


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=common.DEFAULT_CRITEO_SAMPLE, help="Criteo TSV file.")
    parser.add_argument("--repeats", type=int, default=4,
                        help="Alternating rounds; the first is reported apart.")
    parser.add_argument("--train_copies", type=int, default=1,
                        help="Copies of the training split to train on, to time larger "
                             "inputs; AUCs then favor the learner that overfits least.")
    parser.add_argument("--threads", type=int, default=os.cpu_count(),
                        help="Training threads of every learner.")
    parser.add_argument("--output", default="gbdt_vs_lightgbm",
                        help="Results file name under benchmarks/results/; empty writes none.")
    args = parser.parse_args()
    if args.repeats < 2:
        parser.error(f"--repeats must be at least 2, because the first round is reported "
                     f"apart; got {args.repeats}.")

    report = common.Report(args.output, write=bool(args.output))
    splits = repeat_training_rows(load_splits(DataConfig(dataset="criteo", train_path=args.data)),
                                  args.train_copies)
    config = GBDTConfig(num_threads=args.threads)
    report.print(f"data: {args.data}: {len(splits.train)} training ({args.train_copies} "
                 f"cop{'y' if args.train_copies == 1 else 'ies'} of the training split), "
                 f"{len(splits.valid)} validation (early stopping), {len(splits.evaluation)} "
                 "evaluation rows")
    report.print(f"GBDTConfig: {config}")

    learners = {_STAGE: fit_tfdf, "GBDT stage, exact splits": _with_exact_splits(fit_tfdf),
                "ydf (same learner)": fit_ydf, "LightGBM": fit_lightgbm}
    results = {name: [] for name in learners}
    for repeat in range(args.repeats):
        for name, fit in learners.items():
            result = fit(splits, config, args.threads)
            results[name].append(result)
            report.print(f"round {repeat + 1}: {name:<26} {result['seconds']:6.1f} s, "
                         f"{result['trees']:4d} trees, AUC {result['auc']:.5f}{_details(result)}")

    report.print()
    print_summary(report, results)
    report.save()


if __name__ == "__main__":
    main()
