"""Loading and fitting as one step: in memory or streamed, with the data checks first.

Before any stage trains, the bad-row policy has been applied to every input row and
the GBDT pre-flight memory check has passed, so a run that cannot finish fails in
its first minutes, not after hours of training.
"""

from absl import logging

from resfusion_tf.config import TrainConfig
from resfusion_tf.data.bad_rows import BadRowLog
from resfusion_tf.data.errors import DataError
from resfusion_tf.data.loading import load_splits, resolve_schema
from resfusion_tf.data.streaming import scan
from resfusion_tf.fusion.pipeline import FittedPipeline, fit_pipeline
from resfusion_tf.fusion.streaming_pipeline import StreamedSplits, fit_streaming_pipeline
from resfusion_tf.gbdt.preflight import check_gbdt_memory


def uses_gbdt(config: TrainConfig) -> bool:
    """Returns whether any stage trains a TF-DF model on its training rows."""
    return any("gbdt" in kind for kind in config.stages)


def preflight(config: TrainConfig, train_rows: int, schema) -> None:
    """Runs the GBDT memory check on the rows the GBDT stages will hold.

    Raises:
        GBDTMemoryError: if they would not fit.
    """
    if not uses_gbdt(config):
        return
    max_rows = config.gbdt.max_rows
    rows = train_rows if max_rows is None else min(train_rows, max_rows)
    check_gbdt_memory(rows, schema, config.gbdt.memory_limit_mb, max_rows)


def load_and_fit(config: TrainConfig):
    """Reads the data that `config.data` names and fits every stage on it.

    Returns:
        `(splits, pipeline)`: a `Splits` for in-memory runs, or a `StreamedSplits`
        with the row counts for streaming runs, and the `FittedPipeline`.

    Raises:
        DataError: on invalid input under the "error" policy, or unusable splits.
        GBDTMemoryError: if the GBDT stages would not fit in memory.
    """
    data_config = config.data
    bad_rows = BadRowLog(data_config.on_bad_row, config.model_dir)
    if data_config.streaming:
        if data_config.dataset == "synthetic" or data_config.dataset.startswith("tfds:"):
            raise DataError(
                f"--streaming reads raw files, and --dataset={data_config.dataset} has none. "
                "Drop --streaming, or pass --dataset=criteo, avazu or csv with --train_path.")
        schema = resolve_schema(data_config)
        data = scan(data_config, schema, bad_rows,
                    config.gbdt.max_rows if uses_gbdt(config) else 0)
        preflight(config, data.counts["train"], schema)
        pipeline: FittedPipeline = fit_streaming_pipeline(config, data)
        return StreamedSplits(data), pipeline

    splits = load_splits(data_config, bad_rows)
    bad_rows.close()
    preflight(config, len(splits.train), splits.schema)
    logging.info("Fitting %d stages in memory.", len(config.stages))
    return splits, fit_pipeline(config, splits.train, splits.valid, splits.evaluation)
