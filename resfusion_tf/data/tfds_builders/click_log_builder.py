"""Base TFDS builder for a click log in the raw Kaggle layout, read from `manual_dir`.

Split protocol (deterministic, the same on every machine): the files matched by
`RAW_FILE_PATTERNS` in `manual_dir` are read in sorted order, and each valid row is
assigned by `resfusion_tf.data.row_hash` of its file position and line number:

- test: rows with `row_hash(file, line, TEST_SALT) < threshold(0.1)`, 10% of rows;
- validation: of the rest, rows with `row_hash(file, line, VALIDATION_SALT) <
  threshold(1/9)`, another 10% of all rows;
- train: the remaining 80%.

Kaggle's own test files have no labels, so all three splits come from the labelled
training file. The split is not chronological: rows of every day land in every split.
Invalid rows stop the build with an error naming the file, line and column.
"""

import glob
import os

import numpy as np
import tensorflow_datasets as tfds

from resfusion_tf.data import row_hash
from resfusion_tf.data.bad_rows import BadRowLog
from resfusion_tf.data.errors import EmptyInputError
from resfusion_tf.data.row_parser import RowParser, iter_valid_rows
from resfusion_tf.data.schema import FeatureSchema

TEST_FRACTION = 0.1
VALIDATION_FRACTION = 0.1
# Splits of the builders, and the `resfusion-train` splits they feed.
SPLIT_NAMES = {"train": "train", "validation": "valid", "test": "evaluation"}


def split_of_row(file_index: int, line: int) -> str:
    """Returns "train", "validation" or "test" for a row, by the protocol above."""
    if row_hash.row_hash(file_index, line, row_hash.TEST_SALT) < row_hash.threshold(TEST_FRACTION):
        return "test"
    validation_share = VALIDATION_FRACTION / (1.0 - TEST_FRACTION)
    if (row_hash.row_hash(file_index, line, row_hash.VALIDATION_SALT)
            < row_hash.threshold(validation_share)):
        return "validation"
    return "train"


class ClickLogBuilder(tfds.core.GeneratorBasedBuilder, skip_registration=True):
    """Builds train/validation/test splits from raw click-log files in `manual_dir`.

    Subclasses set `SCHEMA`, `RAW_FILE_PATTERNS`, `MANUAL_DOWNLOAD_INSTRUCTIONS`,
    `VERSION` and `RELEASE_NOTES`.
    """

    SCHEMA: FeatureSchema
    RAW_FILE_PATTERNS: tuple = ()
    HOMEPAGE = ""

    def _info(self) -> tfds.core.DatasetInfo:
        features = {self.SCHEMA.label: tfds.features.Scalar(dtype=np.float32)}
        for name in self.SCHEMA.numeric:
            features[name] = tfds.features.Scalar(dtype=np.float32)
        for name in self.SCHEMA.categorical:
            features[name] = tfds.features.Text()
        return self.dataset_info_from_configs(
            features=tfds.features.FeaturesDict(features),
            homepage=self.HOMEPAGE,
            description=__doc__,
        )

    def raw_files(self, manual_dir: str) -> list[str]:
        """Returns the raw files in `manual_dir`, sorted.

        Raises:
            EmptyInputError: when none of `RAW_FILE_PATTERNS` matches.
        """
        paths = []
        for pattern in self.RAW_FILE_PATTERNS:
            paths.extend(glob.glob(os.path.join(manual_dir, pattern)))
        if not paths:
            raise EmptyInputError(
                f"No raw {self.name} file in {manual_dir} (looked for "
                f"{list(self.RAW_FILE_PATTERNS)}). {self.MANUAL_DOWNLOAD_INSTRUCTIONS}")
        return sorted(set(paths))

    def _split_generators(self, dl_manager: tfds.download.DownloadManager):
        paths = self.raw_files(os.fspath(dl_manager.manual_dir))
        return {split: self._generate_examples(paths, split) for split in SPLIT_NAMES}

    def _generate_examples(self, paths: list, split: str):
        schema = self.SCHEMA
        parser = RowParser(schema)
        for file_index, path in enumerate(paths):
            for line, row in iter_valid_rows(path, parser, BadRowLog("error")):
                if split_of_row(file_index, line) != split:
                    continue
                example = {schema.label: row.label}
                example.update(zip(schema.numeric, row.numeric))
                example.update(zip(schema.categorical, row.categorical))
                yield f"{file_index}:{line}", example
