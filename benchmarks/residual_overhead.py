"""Time of a DeepFM epoch with the residual pipeline against a plain DeepFM epoch.

The plain model is a first-stage DeepFM: `make_residual_dataset` without a previous
state, trained on the label. The residual model is what a later DeepFM stage trains:
`build_training_model` adds the previous margin as an input, and the dataset attaches
the precomputed margin to every example. Both train as `NeuralStage.fit` trains in
memory, on features encoded once by the model's own `FeatureEmbedding.encode`. They
use the same rows of the Criteo sample and the project defaults, and the epochs
alternate between them.

    python benchmarks/residual_overhead.py
"""

import argparse
import math
import tempfile

import common

import keras  # noqa: E402
import numpy as np  # noqa: E402
from resfusion_tf.config import NeuralConfig, TrainConfig  # noqa: E402
from resfusion_tf.data.statistics import compute_statistics  # noqa: E402
from resfusion_tf.fusion.stage import StageContext  # noqa: E402
from resfusion_tf.models.deepfm import build_deepfm  # noqa: E402
from resfusion_tf.models.encoded_training import split_encoded_model  # noqa: E402
from resfusion_tf.models.stage import build_training_model, compile_training_model  # noqa: E402
from resfusion_tf.residual.dataset import make_residual_dataset  # noqa: E402
from resfusion_tf.residual.spaces import LogitSpace  # noqa: E402


def timed_epochs(model, dataset, steps: int, epochs: int) -> list[float]:
    """Trains `epochs` epochs and returns the time of each one but the first.

    The first epoch of each `fit` call also builds the dataset iterator, so it is left
    out of the comparison.
    """
    timer = common.make_epoch_timer()
    model.fit(dataset, epochs=epochs, steps_per_epoch=steps, verbose=0, callbacks=[timer])
    return timer.seconds[1:]


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=common.DEFAULT_CRITEO_SAMPLE, help="Criteo TSV file.")
    parser.add_argument("--rows", type=int, default=0, help="Rows to keep; 0 keeps all.")
    parser.add_argument("--repeats", type=int, default=6,
                        help="Alternating rounds of --epochs epochs per model.")
    parser.add_argument("--epochs", type=int, default=4,
                        help="Epochs per round and model; the first of each round is not timed.")
    parser.add_argument("--output", default="residual_overhead",
                        help="Results file name under benchmarks/results/; empty writes none.")
    args = parser.parse_args()

    report = common.Report(args.output, write=bool(args.output))
    table = common.load_criteo(args.data, args.rows)
    config = NeuralConfig()
    statistics = compute_statistics(table, min_count=5)
    # A stand-in for a GBDT margin: any float per row costs the pipeline the same.
    margin = np.random.default_rng(0).normal(-1.2, 0.5, len(table)).astype(np.float32)
    report.print(f"data: {len(table)} rows of {args.data}; DeepFM with NeuralConfig defaults, "
                 f"batch size {config.batch_size}")

    keras.utils.set_random_seed(0)
    encoded = split_encoded_model(build_deepfm(table.schema, statistics, config))
    plain = encoded.model
    compile_training_model(plain, keras.losses.BinaryCrossentropy(from_logits=True), config)
    # As in NeuralStage.fit: endless datasets and a fixed number of steps per epoch.
    steps = math.ceil(len(table) / config.batch_size)
    plain_data = make_residual_dataset(table, None, config.batch_size, shuffle=True, seed=0,
                                       encoder=encoded.feature_embedding.encode).repeat()

    with tempfile.TemporaryDirectory() as log_dir:
        context = StageContext(index=1, train=table, valid=table, train_state=margin,
                               valid_state=margin, space=LogitSpace(), statistics=statistics,
                               config=TrainConfig(neural=config), log_dir=log_dir)
        encoded = split_encoded_model(build_deepfm(table.schema, statistics, config))
        residual, loss = build_training_model(encoded.model, context,
                                              encoded.feature_embedding.make_encoded_inputs())
    compile_training_model(residual, loss, config)
    residual_data = make_residual_dataset(table, margin, config.batch_size, shuffle=True, seed=0,
                                          encoder=encoded.feature_embedding.encode).repeat()

    timed_epochs(plain, plain_data, steps, 2)
    timed_epochs(residual, residual_data, steps, 2)
    plain_times, residual_times = [], []
    for repeat in range(args.repeats):
        plain_times += timed_epochs(plain, plain_data, steps, args.epochs)
        residual_times += timed_epochs(residual, residual_data, steps, args.epochs)
        report.print(f"round {repeat + 1}: plain {common.median(plain_times[-args.epochs + 1:]):.3f} s, "
                     f"residual {common.median(residual_times[-args.epochs + 1:]):.3f} s per epoch")

    plain_median = common.median(plain_times)
    residual_median = common.median(residual_times)
    report.print()
    report.print(f"plain DeepFM epoch, median     {plain_median:.3f} s")
    report.print(f"residual DeepFM epoch, median  {residual_median:.3f} s")
    report.print(f"ratio residual / plain: {residual_median / plain_median:.3f} "
                 f"({100 * (residual_median / plain_median - 1):+.1f}% overhead)")
    fastest = min(residual_times) / min(plain_times)
    report.print(f"ratio of the fastest epochs, the least disturbed by other load: {fastest:.3f} "
                 f"({100 * (fastest - 1):+.1f}%)")
    report.save()


if __name__ == "__main__":
    main()
