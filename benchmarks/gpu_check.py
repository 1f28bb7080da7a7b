"""DeepFM training throughput in float32 against mixed precision, on the first device.

One short check for a machine with a GPU: it prints the device, trains the project's
DeepFM on synthetic Criteo-layout rows under float32 and under the policy that
`--mixed_precision=auto` picks (float32 again on a CPU-only machine, so pass
`--mixed=mixed_bfloat16` there), checks that every loss is finite, and prints the
throughputs side by side. The policies alternate over the repeats.

    python benchmarks/gpu_check.py                         # batch 8192 on a GPU
    python benchmarks/gpu_check.py --batch_size=256 --rows=4096 --mixed=mixed_bfloat16
"""

import argparse
import math

import common

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from resfusion_tf import precision  # noqa: E402
from resfusion_tf.config import NeuralConfig  # noqa: E402
from resfusion_tf.data import synthetic  # noqa: E402
from resfusion_tf.data.statistics import compute_statistics  # noqa: E402
from resfusion_tf.models.deepfm import build_deepfm  # noqa: E402
from resfusion_tf.models.encoded_training import split_encoded_model  # noqa: E402
from resfusion_tf.models.stage import compile_training_model  # noqa: E402
from resfusion_tf.residual.dataset import make_residual_dataset  # noqa: E402


def describe_device() -> str:
    gpus = tf.config.list_physical_devices("GPU")
    if not gpus:
        return "no GPU; CPU only"
    details = tf.config.experimental.get_device_details(gpus[0])
    return (f"{len(gpus)} GPU(s), first: {details.get('device_name', 'unknown')}, "
            f"compute capability {details.get('compute_capability')}")


def build(policy: str, table, statistics, config: NeuralConfig):
    """Returns a DeepFM compiled under `policy` and its endless training dataset.

    The model and dataset are those `NeuralStage.fit` trains in memory: the model over
    features encoded once by the DeepFM's own `FeatureEmbedding.encode`. The global
    policy is float32 afterwards.
    """
    keras.mixed_precision.set_dtype_policy(policy)
    try:
        keras.utils.set_random_seed(0)
        encoded = split_encoded_model(build_deepfm(table.schema, statistics, config))
        compile_training_model(encoded.model, keras.losses.BinaryCrossentropy(from_logits=True),
                               config)
    finally:
        keras.mixed_precision.set_dtype_policy("float32")
    dataset = make_residual_dataset(table, None, config.batch_size, shuffle=True, seed=0,
                                    encoder=encoded.feature_embedding.encode).repeat()
    return encoded.model, dataset


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batch_size", type=int, default=8192)
    parser.add_argument("--rows", type=int, default=262_144, help="Synthetic training rows.")
    parser.add_argument("--mixed", default="auto",
                        help="Mixed policy to compare: auto, mixed_float16 or mixed_bfloat16.")
    parser.add_argument("--repeats", type=int, default=3, help="Alternating rounds.")
    parser.add_argument("--output", default="",
                        help="Results file name under benchmarks/results/; empty writes none.")
    args = parser.parse_args()

    report = common.Report(args.output, write=bool(args.output))
    report.print(f"device: {describe_device()}")
    mixed = precision.resolve_policy(args.mixed)
    report.print(f"compared policies: float32 and {mixed} (--mixed={args.mixed})")

    table = synthetic.generate(args.rows, seed=0)
    statistics = compute_statistics(table, min_count=5)
    config = NeuralConfig(batch_size=args.batch_size)
    steps = math.ceil(len(table) / config.batch_size)
    models = {policy: build(policy, table, statistics, config) for policy in ("float32", mixed)}
    report.print(f"{len(table)} rows, batch size {config.batch_size}, {steps} steps per epoch")

    rates = {policy: [] for policy in models}
    for model, dataset in models.values():
        model.fit(dataset, epochs=1, steps_per_epoch=steps, verbose=0)
    for repeat in range(args.repeats):
        for policy, (model, dataset) in models.items():
            timer = common.make_epoch_timer()
            history = model.fit(dataset, epochs=1, steps_per_epoch=steps, verbose=0,
                                callbacks=[timer])
            loss = history.history["loss"][-1]
            if not np.isfinite(loss):
                raise SystemExit(f"Training under {policy} gave a non-finite loss {loss}.")
            rates[policy].append(len(table) / timer.seconds[0])
            report.print(f"round {repeat + 1}: {policy:<15} {rates[policy][-1]:10.0f} ex/s, "
                         f"loss {loss:.5f}")

    fp32 = common.median(rates["float32"])
    report.print()
    for policy in models:
        rate = common.median(rates[policy])
        report.print(f"{policy:<15} {rate:10.0f} ex/s  {rate / fp32:.2f}x float32")
    report.print("every loss was finite")
    report.save()


if __name__ == "__main__":
    main()
