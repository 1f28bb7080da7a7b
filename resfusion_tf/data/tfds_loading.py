"""Loading of the `tfds:criteo` and `tfds:avazu` datasets into in-memory tables.

The builder prepares its splits once under `tfds_data_dir` from the raw files in
`tfds_manual_dir`; later runs read the prepared records.
"""

import os

import numpy as np
import tensorflow_datasets as tfds
from absl import logging

from resfusion_tf.config import DataConfig
from resfusion_tf.data.examples import ExampleTable
from resfusion_tf.data.schema import FeatureSchema
from resfusion_tf.data.tfds_builders import BUILDERS

_BATCH_SIZE = 65536


def prepare_builder(config: DataConfig) -> tfds.core.DatasetBuilder:
    """Returns the prepared builder of `config.dataset` ("tfds:criteo" or "tfds:avazu")."""
    name = config.dataset.split(":", 1)[1]
    data_dir = config.tfds_data_dir or None
    builder = BUILDERS[name](data_dir=data_dir)
    manual_dir = config.tfds_manual_dir or os.path.join(builder.data_dir_root, "downloads",
                                                        "manual")
    if not builder.is_prepared():
        builder.raw_files(manual_dir)  # Raises EmptyInputError with the instructions.
    download_config = tfds.download.DownloadConfig(manual_dir=manual_dir)
    logging.info("Preparing TFDS dataset %s in %s from the raw files in %s.", name,
                 builder.data_dir, manual_dir)
    builder.download_and_prepare(download_config=download_config)
    return builder


def _split_table(builder: tfds.core.DatasetBuilder, split: str,
                 schema: FeatureSchema) -> ExampleTable:
    parts = {name: [] for name in (schema.label, *schema.features)}
    for batch in tfds.as_numpy(builder.as_dataset(split=split, batch_size=_BATCH_SIZE,
                                                  shuffle_files=False)):
        for name in parts:
            parts[name].append(batch[name])
    columns = {}
    for name in schema.features:
        values = np.concatenate(parts[name])
        if schema.is_numeric(name):
            columns[name] = values.astype(np.float32)
        else:
            decoded = np.empty(values.shape[0], dtype=object)
            decoded[:] = [value.decode("utf-8") for value in values]
            columns[name] = decoded
    labels = np.concatenate(parts[schema.label]).astype(np.float32)
    return ExampleTable(schema, columns, labels)


def load_tfds_splits(config: DataConfig, schema: FeatureSchema):
    """Returns `(train, valid, evaluation)` tables from the TFDS train, validation and
    test splits."""
    builder = prepare_builder(config)
    return tuple(_split_table(builder, split, schema)
                 for split in ("train", "validation", "test"))
