"""Readers that parse CSV and TSV click logs into an in-memory `ExampleTable`.

Every line goes through the shared `RowParser`, so a bad value is reported with its
file, line and column instead of failing deep inside TensorFlow, and the
`--on_bad_row` policy decides whether it stops the read. Files may be plain or gzip
(by the `.gz` suffix), and paths may be globs. For files larger than memory, use
`resfusion_tf.data.streaming`.
"""

import glob
import os
from typing import Optional

import numpy as np
from absl import logging

from resfusion_tf.data.bad_rows import BadRowLog
from resfusion_tf.data.errors import DataError, EmptyInputError  # noqa: F401 (re-exported)
from resfusion_tf.data.examples import ExampleTable
from resfusion_tf.data.row_parser import RowParser, iter_valid_rows
from resfusion_tf.data.schema import FeatureSchema


def expand_paths(pattern: str) -> list[str]:
    """Expands a comma-separated list of files or globs into sorted file paths.

    Raises:
        EmptyInputError: if a pattern matches no file.
    """
    paths = []
    for part in (p.strip() for p in pattern.split(",")):
        if not part:
            continue
        matches = sorted(glob.glob(part))
        if not matches:
            raise EmptyInputError(
                f"No file matches {part!r} (working directory {os.getcwd()}). "
                "Check the path, or quote the glob so the shell does not expand it.")
        paths.extend(matches)
    if not paths:
        raise EmptyInputError(f"No input path given in {pattern!r}.")
    return paths


def read_file(path: str, schema: FeatureSchema,
              bad_rows: Optional[BadRowLog] = None) -> ExampleTable:
    """Parses one CSV/TSV file (plain or `.gz`) into an ExampleTable.

    Args:
        path: The file.
        schema: Its layout.
        bad_rows: The bad-row policy. Defaults to raising on the first bad row.

    Raises:
        HeaderMismatchError: on a header that differs from the schema.
        BadRowError: under the "error" policy, on a wrong field count, an invalid
            label, a non-numeric or non-finite value in a numeric column, invalid
            UTF-8, a truncated gzip file or an empty file. The message names the
            file, line and column.
        NoValidRowsError: if no data line of the file is valid.
    """
    bad_rows = bad_rows or BadRowLog("error")
    parser = RowParser(schema)
    labels, numeric, categorical = [], [], []
    for _, row in iter_valid_rows(path, parser, bad_rows):
        labels.append(row.label)
        numeric.append(row.numeric)
        categorical.append(row.categorical)

    features = {}
    numeric_array = np.array(numeric, dtype=np.float32).reshape(len(labels), len(schema.numeric))
    for position, name in enumerate(schema.numeric):
        features[name] = np.ascontiguousarray(numeric_array[:, position])
    for position, name in enumerate(schema.categorical):
        column = np.empty(len(labels), dtype=object)
        column[:] = [row[position] for row in categorical]
        features[name] = column
    return ExampleTable(schema, features, np.array(labels, dtype=np.float32))


def read_examples(pattern: str, schema: FeatureSchema,
                  bad_rows: Optional[BadRowLog] = None) -> ExampleTable:
    """Parses every file matched by `pattern` (comma-separated files or globs).

    Args:
        pattern: Files or globs, comma-separated.
        schema: Layout of every file.
        bad_rows: The bad-row policy. Defaults to raising on the first bad row.

    Raises:
        EmptyInputError: if no file matches or the files hold no data row.
        DataError: on a bad row or header, as `read_file` describes.
    """
    paths = expand_paths(pattern)
    tables = []
    for path in paths:
        table = read_file(path, schema, bad_rows)
        logging.info("Read %d rows from %s (positive rate %.4f).", len(table), path,
                     table.positive_rate())
        tables.append(table)

    result = tables[0]
    for table in tables[1:]:
        result = result.concatenate(table)
    if not len(result):
        raise EmptyInputError(
            f"No data rows in {paths}. Point --train_path and --eval_path at non-empty files.")
    return result
