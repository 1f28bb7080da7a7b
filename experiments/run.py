"""Runs the ResFusion model comparison on one dataset and writes its tables and chart.

Examples:

  python -m experiments.run --dataset=criteo --models=all --seeds=3
  python -m experiments.run --dataset=criteo --train_path=/data/criteo/train.txt \
      --split=bars_x4 --output_dir=results/criteo_full
  python -m experiments.run --dataset=synthetic --models=LR,GBDT --seeds=1

Writes `results.csv` (one row per model x seed and per K x seed), `results.md`
(mean ± std tables headed by the command, package versions and machine) and
`auc.png` to --output_dir, rewriting them after every run so partial results survive.
"""

import dataclasses
import os
import shutil
import tempfile
import time

import pandas as pd
from absl import app, flags, logging

from experiments import report
from experiments.configs import CONFIGS, SPLIT_PROTOCOLS, ExperimentConfig, get_config
from resfusion_tf import precision
from resfusion_tf.config import TrainConfig
from resfusion_tf.data.loading import Splits, load_splits
from resfusion_tf.export.exporter import export_composite
from resfusion_tf.fusion.parameters import count_parameters
from resfusion_tf.fusion.pipeline import FittedPipeline, fit_pipeline
from resfusion_tf.fusion.zoo import ZOO_MODELS, model_stages, resfusion_stages

flags.DEFINE_enum("dataset", "criteo", list(CONFIGS), "Experiment config to run.")
flags.DEFINE_list("models", ["all"], f"Zoo models to run, or 'all' for {list(ZOO_MODELS)}.")
flags.DEFINE_integer("seeds", 3, "Number of model seeds (0, 1, ...) per model.", lower_bound=1)
flags.DEFINE_list("k_iterations", None,
                  "Residual iterations K of the ResFusion study, such as 0,1,2,3. Default: "
                  "the dataset config's. Pass an empty value to skip the study.")
flags.DEFINE_string("output_dir", "",
                    "Directory of results.csv, results.md and auc.png. Default: "
                    "experiments/results/<dataset>.")
flags.DEFINE_string("train_path", "",
                    "Data files or globs, such as the full Kaggle train.txt. Default: the "
                    "dataset's sample in the shared data folder beside the checkout.")
flags.DEFINE_string("eval_path", "", "Separate test files. Default: a random holdout.")
flags.DEFINE_enum("split", "paper", list(SPLIT_PROTOCOLS),
                  "'paper': random 90/10 train/test, then 10% of train for validation. "
                  "'bars_x4': random 8:1:1 train/validation/test.")
flags.DEFINE_integer("cross_fit_folds", None,
                     "Cross-fitting folds of every multi-stage model and the K study. "
                     "Default: the dataset config's.", lower_bound=0)
flags.DEFINE_string("work_dir", "",
                    "Directory for TensorBoard logs of every run. Default: a temporary "
                    "directory, deleted at the end.")
flags.DEFINE_string("export_dir", "",
                    "If set, export the seed-0 fit of every model as a composite "
                    "SavedModel to <export_dir>/<model>/<version>.")

FLAGS = flags.FLAGS


def selected_models(names: list[str]) -> list[str]:
    """Returns the zoo models named by --models, expanding 'all'.

    Raises:
        ValueError: for an unknown model name.
    """
    if names == ["all"]:
        return list(ZOO_MODELS)
    for name in names:
        model_stages(name)
    return list(names)


def fit_once(config: TrainConfig, splits: Splits) -> tuple[FittedPipeline, float]:
    """Fits one pipeline; returns it and its wall-clock training time in seconds."""
    start = time.time()
    pipeline = fit_pipeline(config, splits.train, splits.valid, splits.evaluation)
    return pipeline, time.time() - start


def run_models(experiment: ExperimentConfig, splits: Splits, models: list[str], seeds: int,
               work_dir: str, record) -> None:
    """Fits every model with every seed and passes one result row per fit to `record`."""
    for seed in range(seeds):
        for model in models:
            stages = model_stages(model)
            config = dataclasses.replace(
                experiment.train, stages=stages, seed=seed,
                model_dir=os.path.join(work_dir, model, f"seed_{seed}"))
            logging.info("Fitting %s (stages %s), seed %d.", model, ",".join(stages), seed)
            pipeline, seconds = fit_once(config, splits)
            final = pipeline.stage_metrics[-1]
            record({"table": "models", "model": model, "stages": ",".join(stages), "k": None,
                    "seed": seed, "auc": final["auc"], "logloss": final["logloss"],
                    "train_seconds": seconds,
                    "parameters": sum(count_parameters(stage) for stage in pipeline.stages),
                    "eval_rows": len(splits.evaluation)})
            if FLAGS.export_dir and seed == 0:
                path = export_composite(pipeline.composite(splits.schema),
                                        os.path.join(FLAGS.export_dir, model))
                logging.info("Exported %s to %s.", model, path)


def run_k_study(experiment: ExperimentConfig, splits: Splits, k_iterations: list[int],
                seeds: int, work_dir: str, record) -> None:
    """Fits ResFusion with the largest K once per seed and records every K up to it.

    The metrics after stage k of the longest pipeline are those of ResFusion with K = k,
    because a stage is trained the same way whether or not more stages follow it.
    """
    stages = resfusion_stages(max(k_iterations))
    for seed in range(seeds):
        config = dataclasses.replace(experiment.train, stages=stages, seed=seed,
                                     model_dir=os.path.join(work_dir, "k_study", f"seed_{seed}"))
        logging.info("K study: fitting stages %s, seed %d.", ",".join(stages), seed)
        pipeline, _ = fit_once(config, splits)
        for k in sorted(k_iterations):
            metrics = pipeline.stage_metrics[k]
            record({"table": "k_study", "model": f"ResFusion K={k}",
                    "stages": ",".join(stages[:k + 1]), "k": k, "seed": seed,
                    "auc": metrics["auc"], "logloss": metrics["logloss"], "train_seconds": None,
                    "parameters": sum(count_parameters(stage)
                                      for stage in pipeline.stages[:k + 1]),
                    "eval_rows": len(splits.evaluation)})


def describe_data(experiment: ExperimentConfig, splits: Splits) -> str:
    """Returns one line naming the data file, the split sizes and the positive rates."""
    data = experiment.train.data
    source = data.train_path or f"{data.synthetic_rows} synthetic rows"
    shared = os.path.dirname(os.path.dirname(os.path.abspath(source)))
    if source.startswith(shared) and os.path.basename(shared) == "data":
        source = os.path.relpath(source, os.path.dirname(shared))
    return (f"{source}; split {FLAGS.split} (seed {data.split_seed}), "
            f"{experiment.train.cross_fit_folds} cross-fitting folds: "
            f"{len(splits.train)} train, {len(splits.valid)} validation, "
            f"{len(splits.evaluation)} test rows; test positive rate "
            f"{splits.evaluation.positive_rate():.2%} "
            f"({int(splits.evaluation.labels.sum())} positives)")


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {argv[1:]}. Pass options as --flag=value.")
    experiment = get_config(FLAGS.dataset).with_data(FLAGS.train_path, FLAGS.eval_path, FLAGS.split)
    if FLAGS.cross_fit_folds is not None:
        experiment = dataclasses.replace(experiment, train=dataclasses.replace(
            experiment.train, cross_fit_folds=FLAGS.cross_fit_folds))
    try:
        models = selected_models(FLAGS.models)
    except ValueError as error:
        raise app.UsageError(str(error)) from None
    k_iterations = (list(experiment.k_iterations) if FLAGS.k_iterations is None
                    else [int(k) for k in FLAGS.k_iterations])
    output_dir = FLAGS.output_dir or os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "results", experiment.name)
    os.makedirs(output_dir, exist_ok=True)
    work_dir = FLAGS.work_dir or tempfile.mkdtemp(prefix=f"experiment-{experiment.name}-")

    precision.apply_policy(experiment.train.mixed_precision)
    splits = load_splits(experiment.train.data)
    header = report.make_header(describe_data(experiment, splits))
    logging.info("Running %d models x %d seeds and K study %s on %s; writing to %s.",
                 len(models), FLAGS.seeds, k_iterations, experiment.name, output_dir)

    rows = []
    csv_path = os.path.join(output_dir, "results.csv")

    def record(row: dict) -> None:
        rows.append(row)
        frame = pd.DataFrame(rows, columns=list(report.RESULT_COLUMNS))
        frame["k"] = frame["k"].astype("Int64")
        frame.to_csv(csv_path, index=False)
        report.write_report(output_dir, experiment.name, header, frame, experiment.notes)
        logging.info("%s seed %d: test AUC %.5f, logloss %.5f (%d rows in %s).", row["model"],
                     row["seed"], row["auc"], row["logloss"], len(rows), csv_path)

    try:
        run_models(experiment, splits, models, FLAGS.seeds, work_dir, record)
        if k_iterations:
            run_k_study(experiment, splits, k_iterations, FLAGS.seeds, work_dir, record)
    finally:
        if not FLAGS.work_dir:
            shutil.rmtree(work_dir, ignore_errors=True)
    print(f"results: {csv_path}")
    print(f"tables: {os.path.join(output_dir, 'results.md')}")


if __name__ == "__main__":
    app.run(main)
