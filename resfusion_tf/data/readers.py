"""Readers that parse CSV and TSV click logs into an `ExampleTable`.

Every value is read as text first, so that a bad value can be reported with its file,
line and column instead of failing deep inside TensorFlow. Files may be plain or gzip
(by the `.gz` suffix), and paths may be globs.
"""

import glob
import gzip
import os
import re

import numpy as np
import pandas as pd
from absl import logging

from resfusion_tf.data.examples import ExampleTable
from resfusion_tf.data.schema import FeatureSchema

# A byte that never occurs in click logs, so a file read with it as the separator
# comes back as one column of whole lines.
_NO_SEPARATOR = "\x07"
_LABEL_VALUES = {"0": 0.0, "1": 1.0, "0.0": 0.0, "1.0": 1.0}


class DataError(ValueError):
    """Raised when an input file cannot be parsed. The message names the file and line."""


def expand_paths(pattern: str) -> list[str]:
    """Expands a comma-separated list of files or globs into sorted file paths.

    Raises:
        DataError: if a pattern matches no file.
    """
    paths = []
    for part in (p.strip() for p in pattern.split(",")):
        if not part:
            continue
        matches = sorted(glob.glob(part))
        if not matches:
            raise DataError(
                f"No file matches {part!r} (working directory {os.getcwd()}). "
                "Check the path, or quote the glob so the shell does not expand it."
            )
        paths.extend(matches)
    if not paths:
        raise DataError(f"No input path given in {pattern!r}.")
    return paths


def _first_data_line(schema: FeatureSchema) -> int:
    """Returns the 1-based line number of the first data row."""
    return 2 if schema.header else 1


def _read_text_frame(path: str, schema: FeatureSchema) -> pd.DataFrame:
    """Reads `path` with every field as text. Fields beyond a short line are NaN."""
    try:
        frame = pd.read_csv(
            path,
            sep=schema.delimiter,
            header=None,
            names=list(schema.columns),
            skiprows=1 if schema.header else 0,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            quoting=3,  # csv.QUOTE_NONE: click logs do not quote fields.
            engine="c",
            compression="infer",
        )
    except pd.errors.ParserError as error:
        raise DataError(
            f"{path}: {error}. Each row must have {len(schema.columns)} fields "
            f"separated by {schema.delimiter!r}; fix or remove that line."
        ) from None
    except pd.errors.EmptyDataError:
        frame = pd.DataFrame(columns=list(schema.columns), dtype=str)
    return frame


def _check_header(path: str, schema: FeatureSchema) -> None:
    if not schema.header:
        return
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", errors="replace", newline="") as handle:
        first_line = handle.readline().rstrip("\r\n")
    header = first_line.split(schema.delimiter)
    if header != list(schema.columns):
        raise DataError(
            f"{path}:1: header {header[:8]}{'...' if len(header) > 8 else ''} differs from "
            f"the schema columns {list(schema.columns)[:8]}... Use the schema that matches "
            "this file, or fix the header line."
        )


def _read_lines(path: str) -> pd.Series:
    """Returns the lines of `path` as text, one entry per line, without line endings."""
    frame = pd.read_csv(path, sep=_NO_SEPARATOR, header=None, names=["line"], dtype=str,
                        keep_default_na=False, na_filter=False, quoting=3,
                        skip_blank_lines=False, engine="c", compression="infer")
    return frame["line"].str.rstrip("\r")


def _check_field_counts(path: str, schema: FeatureSchema) -> None:
    """Raises DataError on the first line whose field count differs from the schema."""
    try:
        lines = _read_lines(path)
    except pd.errors.EmptyDataError:
        return
    if schema.header:
        lines = lines.iloc[1:]
    counts = lines.str.count(re.escape(schema.delimiter)).to_numpy() + 1
    bad = np.flatnonzero(counts != len(schema.columns))
    if bad.size:
        row = int(bad[0])
        line = row + _first_data_line(schema)
        raise DataError(
            f"{path}:{line}: expected {len(schema.columns)} fields separated by "
            f"{schema.delimiter!r}, found {counts[row]} ({bad.size} such lines in this "
            "file). Fix or remove these lines, or check --dataset and --schema.")


def _parse_labels(column: pd.Series, path: str, schema: FeatureSchema) -> np.ndarray:
    labels = column.str.strip().map(_LABEL_VALUES)
    invalid = np.flatnonzero(labels.isna().to_numpy())
    if invalid.size:
        row = int(invalid[0])
        line = row + _first_data_line(schema)
        raise DataError(
            f"{path}:{line}: column {schema.label!r} has value {column.iloc[row]!r}, but "
            "labels must be 0 or 1 (0.0 and 1.0 are accepted). "
            f"{invalid.size} rows in this file have an invalid label."
        )
    return labels.to_numpy(dtype=np.float32)


def _parse_numeric(column: pd.Series, name: str, path: str, schema: FeatureSchema) -> np.ndarray:
    text = column.str.strip()
    values = pd.to_numeric(text.replace("", np.nan), errors="coerce").to_numpy(dtype=np.float64)
    present = (text != "").to_numpy()
    invalid = np.flatnonzero(present & ~np.isfinite(values))
    if invalid.size:
        row = int(invalid[0])
        line = row + _first_data_line(schema)
        raise DataError(
            f"{path}:{line}: numeric column {name!r} has value {column.iloc[row]!r}, which is "
            "not a finite number. Leave the field empty for a missing value, or declare "
            f"the column categorical. {invalid.size} rows in this file have this problem."
        )
    return values.astype(np.float32)


def read_file(path: str, schema: FeatureSchema) -> ExampleTable:
    """Parses one CSV/TSV file (plain or `.gz`) into an ExampleTable.

    Raises:
        DataError: on a header that differs from the schema, a wrong field count, an
            invalid label or a non-numeric value in a numeric column. The message
            names the file, line and column.
    """
    _check_header(path, schema)
    _check_field_counts(path, schema)
    frame = _read_text_frame(path, schema)

    labels = _parse_labels(frame[schema.label], path, schema)
    features = {}
    for name in schema.numeric:
        features[name] = _parse_numeric(frame[name], name, path, schema)
    for name in schema.categorical:
        features[name] = frame[name].to_numpy(dtype=object)
    return ExampleTable(schema, features, labels)


def read_examples(pattern: str, schema: FeatureSchema) -> ExampleTable:
    """Parses every file matched by `pattern` (comma-separated files or globs).

    Raises:
        DataError: if no file matches, if all files are empty, or on any bad row.
    """
    paths = expand_paths(pattern)
    tables = []
    for path in paths:
        table = read_file(path, schema)
        logging.info("Read %d rows from %s (positive rate %.4f).", len(table), path,
                     table.positive_rate())
        tables.append(table)

    result = tables[0]
    for table in tables[1:]:
        result = result.concatenate(table)
    if not len(result):
        raise DataError(f"No data rows in {paths}. Point --train_path at non-empty files.")
    return result
