"""Loading of the train, validation and evaluation splits named by a DataConfig."""

import dataclasses
from typing import Optional

from absl import logging

from resfusion_tf.config import DataConfig
from resfusion_tf.data import synthetic
from resfusion_tf.data.examples import ExampleTable
from resfusion_tf.data.bad_rows import BadRowLog
from resfusion_tf.data.errors import SingleClassError
from resfusion_tf.data.readers import DataError, read_examples
from resfusion_tf.data.schema import CRITEO, FeatureSchema, get_builtin_schema, load_schema
from resfusion_tf.data.splits import split_indices

TFDS_PREFIX = "tfds:"
DATASETS = ("synthetic", "criteo", "avazu", "csv", "tfds:criteo", "tfds:avazu")


@dataclasses.dataclass
class Splits:
    """The three splits of a run. All share `schema`."""

    schema: FeatureSchema
    train: ExampleTable
    valid: ExampleTable
    evaluation: ExampleTable


def resolve_schema(config: DataConfig) -> FeatureSchema:
    """Returns the schema of `config.dataset`.

    Raises:
        ValueError: for an unknown dataset, or "csv" without a schema file.
    """
    if config.dataset == "synthetic":
        return CRITEO
    if config.dataset in ("criteo", "avazu"):
        return get_builtin_schema(config.dataset)
    if config.dataset in ("tfds:criteo", "tfds:avazu"):
        return get_builtin_schema(config.dataset[len(TFDS_PREFIX):])
    if config.dataset == "csv":
        if not config.schema_path:
            raise ValueError("--dataset=csv needs --schema=FILE.json; see the README for the format.")
        return load_schema(config.schema_path)
    raise ValueError(f"Unknown dataset {config.dataset!r}; choose one of {DATASETS}.")


def _read_all_rows(config: DataConfig, schema: FeatureSchema,
                   bad_rows: BadRowLog) -> ExampleTable:
    if config.dataset == "synthetic":
        logging.info("Generating %d synthetic rows in the Criteo layout (seed %d).",
                     config.synthetic_rows, config.split_seed)
        return synthetic.generate(config.synthetic_rows, seed=config.split_seed)
    if not config.train_path:
        raise DataError(f"--dataset={config.dataset} needs --train_path=FILE_OR_GLOB.")
    return read_examples(config.train_path, schema, bad_rows)


def _check_trainable(table: ExampleTable, split: str) -> None:
    if len(table) == 0:
        raise DataError(f"The {split} split is empty. Use more rows, or hold out a larger "
                        "fraction for that split (--eval_fraction, --validation_fraction), "
                        "or pass --eval_path.")
    rate = table.positive_rate()
    if rate in (0.0, 1.0):
        raise SingleClassError(
            f"Every row of the {split} split has label {int(rate)}, so no classifier can be "
            "trained. Check the label column, or use a larger or different sample.")


def load_splits(config: DataConfig, bad_rows: Optional[BadRowLog] = None) -> Splits:
    """Reads or generates the data and returns deterministic train/valid/eval splits.

    Without `eval_path`, `eval_fraction` of the rows is held out for evaluation.
    `validation_fraction` of the remaining rows is then held out for early stopping.
    Both holdouts depend only on the row count and `split_seed`. A "tfds:" dataset
    takes its three splits from the TFDS builder instead.

    Args:
        config: What to read and how to split it.
        bad_rows: The bad-row policy. Defaults to raising on the first bad row.
    """
    schema = resolve_schema(config)
    bad_rows = bad_rows or BadRowLog("error")
    if config.dataset.startswith(TFDS_PREFIX):
        from resfusion_tf.data.tfds_loading import load_tfds_splits

        train, valid, evaluation = load_tfds_splits(config, schema)
        return _checked_splits(schema, train, valid, evaluation)
    rows = _read_all_rows(config, schema, bad_rows)

    if config.eval_path:
        train_pool, evaluation = rows, read_examples(config.eval_path, schema, bad_rows)
    else:
        kept, held_out = split_indices(len(rows), config.eval_fraction, config.split_seed)
        train_pool, evaluation = rows.take(kept), rows.take(held_out)

    kept, held_out = split_indices(len(train_pool), config.validation_fraction,
                                   config.split_seed + 1)
    train, valid = train_pool.take(kept), train_pool.take(held_out)
    return _checked_splits(schema, train, valid, evaluation)


def _checked_splits(schema: FeatureSchema, train: ExampleTable, valid: ExampleTable,
                    evaluation: ExampleTable) -> Splits:
    for split, table in (("training", train), ("validation", valid), ("evaluation", evaluation)):
        _check_trainable(table, split)
    logging.info("Splits: %d training, %d validation and %d evaluation rows.", len(train),
                 len(valid), len(evaluation))
    return Splits(schema, train, valid, evaluation)
