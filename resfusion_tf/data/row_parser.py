"""The shared row parser: validates one line of a click log against a schema.

Both the in-memory reader and the streaming reader parse every line with
`RowParser`, so a row is judged the same way whatever reads it. A valid line has
exactly one field per schema column and a label of 0 or 1 (0.0 and 1.0 are accepted). Each
numeric field is empty (missing) or a finite float32 number, and each used field is
valid UTF-8. Lines may end in LF or CRLF.
"""

import gzip
import re
import zlib
from typing import Iterator, NamedTuple

import numpy as np

from resfusion_tf.data import errors
from resfusion_tf.data.errors import (BadRowError, EmptyFileError, HeaderMismatchError,
                                      TruncatedFileError)
from resfusion_tf.data.schema import FeatureSchema

LABEL_VALUES = {"0": 0.0, "1": 1.0, "0.0": 0.0, "1.0": 1.0}
# Decimal numbers as `tf.strings.to_number` and `float` both read them. Python's
# `float` alone also takes "1_000", "nan" and "inf", which the streaming reader's
# TensorFlow parser does not, so the pattern decides.
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_FLOAT32_MAX = float(np.finfo(np.float32).max)
_NON_FINITE_WORDS = frozenset({"nan", "inf", "infinity"})
_SKIP_HINT = ("Or pass --on_bad_row=skip to skip such rows. Each one is then listed in "
              "bad_rows.tsv, under --model_dir for resfusion-train and beside --output "
              "for resfusion-predict.")


class ParsedRow(NamedTuple):
    """One valid row: the label, numeric values (NaN if missing) and categorical strings."""

    label: float
    numeric: tuple
    categorical: tuple


def open_binary(path: str):
    """Opens `path` for reading bytes, decompressing gzip when the name ends in `.gz`."""
    return gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb")


def iter_lines(path: str) -> Iterator[tuple[int, bytes]]:
    """Yields `(line_number, line)` for every complete line of a plain or gzip file.

    Line numbers start at 1. Line endings (LF or CRLF) are removed.

    Raises:
        TruncatedFileError: when a gzip file ends early or is corrupt. Its `line` is
            the first line that could not be read.
    """
    line_number = 0
    try:
        with open_binary(path) as handle:
            for raw in handle:
                line_number += 1
                yield line_number, raw.rstrip(b"\n").rstrip(b"\r")
    except (EOFError, gzip.BadGzipFile, zlib.error) as error:
        raise TruncatedFileError(
            f"{path}:{line_number + 1}: the gzip data is truncated or corrupt ({error}); "
            f"lines after {line_number} cannot be read. Download or copy the file again, "
            f"or check it with `gzip -t {path}`. {_SKIP_HINT}",
            path=path, line=line_number + 1, column=None, reason=errors.TRUNCATED_FILE,
            value=str(error)) from None


def check_header(path: str, header: bytes, schema: FeatureSchema) -> None:
    """Raises HeaderMismatchError unless `header` lists exactly the schema's columns.

    Args:
        path: The file, for the message.
        header: The first line of the file, without its line ending.
        schema: The schema whose `columns` the header must equal.
    """
    names = header.decode("utf-8", errors="replace").split(schema.delimiter)
    expected = list(schema.columns)
    if names == expected:
        return
    if set(names) & set(expected) == set() and len(names) == len(expected):
        raise HeaderMismatchError(
            f"{path}:1: column {expected[0]!r}: the first line {names[:6]} is not a header "
            f"naming the schema columns {expected[:6]}..., so the file looks headerless. "
            "Add the header line, or set \"header\": false in the schema file.")
    position = next((i for i, (got, want) in enumerate(zip(names, expected)) if got != want),
                    min(len(names), len(expected)))
    column = expected[position] if position < len(expected) else names[position]
    found = names[position] if position < len(names) else "<none>"
    raise HeaderMismatchError(
        f"{path}:1: column {column!r}: the header has {found!r} at position {position + 1}, "
        f"and {len(names)} columns where the schema has {len(expected)}. Header "
        f"{names[:8]}{'...' if len(names) > 8 else ''}; schema columns "
        f"{expected[:8]}{'...' if len(expected) > 8 else ''}. Use the schema that "
        "matches this file (--dataset, --schema), or fix the header line. Training and "
        "evaluation files must have the same columns.")


def empty_file_error(path: str, schema: FeatureSchema) -> EmptyFileError:
    """Returns the error for a file that has no data row."""
    what = "only a header" if schema.header else "no lines"
    return EmptyFileError(
        f"{path}:1: the file has {what}, so it contains no data row. Remove it from the "
        f"input paths, or regenerate it. {_SKIP_HINT}",
        path=path, line=1, column=None, reason=errors.EMPTY_FILE, value="")


class RowParser:
    """Validates and parses lines of one schema.

    Args:
        schema: Layout of the lines.
    """

    def __init__(self, schema: FeatureSchema):
        self.schema = schema
        self.columns = schema.columns
        self.delimiter = schema.delimiter
        self.label_index = schema.columns.index(schema.label)
        self.numeric_indices = [schema.columns.index(name) for name in schema.numeric]
        self.categorical_indices = [schema.columns.index(name) for name in schema.categorical]
        self.used_indices = frozenset([self.label_index, *self.numeric_indices,
                                       *self.categorical_indices])

    def _error(self, error_class, message, path, line, column, reason, value, text):
        return error_class(f"{path}:{line}: column {column!r}: {message} {_SKIP_HINT}",
                           path=path, line=line, column=column, reason=reason, value=value,
                           row_text=text)

    def _decode(self, raw: bytes, path: str, line: int) -> str:
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            pass
        fields = raw.split(self.delimiter.encode("utf-8"))
        text = raw.decode("utf-8", errors="backslashreplace")
        for index, field in enumerate(fields):
            if index not in self.used_indices or index >= len(self.columns):
                continue
            try:
                field.decode("utf-8")
            except UnicodeDecodeError:
                raise self._error(
                    BadRowError, f"the value {field!r} is not valid UTF-8. Re-encode the "
                    "file as UTF-8 (for example `iconv -f latin1 -t utf-8`).", path, line,
                    self.columns[index], errors.INVALID_UTF8, field, text) from None
        # Only ignored columns hold invalid bytes, and their values are never used.
        return raw.decode("utf-8", errors="replace")

    def split_fields(self, raw: bytes, path: str, line: int) -> list[str]:
        """Decodes `raw` and splits it into exactly one field per schema column.

        Raises:
            BadRowError: on invalid UTF-8 in a used column, or a wrong field count.
        """
        text = self._decode(raw, path, line)
        fields = text.split(self.delimiter)
        expected = len(self.columns)
        if len(fields) == expected:
            return fields
        if len(fields) < expected:
            column, reason = self.columns[len(fields)], errors.TOO_FEW_FIELDS
        else:
            column, reason = f"<extra field {expected + 1}>", errors.TOO_MANY_FIELDS
        raise self._error(
            BadRowError, f"expected {expected} fields separated by {self.delimiter!r}, found "
            f"{len(fields)}. Fix or remove the line, or check --dataset and --schema.",
            path, line, column, reason, text[:200], text)

    def parse(self, raw: bytes, path: str, line: int) -> ParsedRow:
        """Parses one line.

        Args:
            raw: The line without its line ending.
            path: The file, for messages.
            line: 1-based line number, for messages.

        Raises:
            BadRowError: on any invalid field. The message names the file, line and
                column, shows the value and tells how to fix it.
        """
        fields = self.split_fields(raw, path, line)
        label_text = fields[self.label_index].strip()
        label = LABEL_VALUES.get(label_text)
        if label is None:
            raise self._error(
                BadRowError, f"the label {label_text!r} is not 0 or 1 (0.0 and 1.0 are "
                "accepted). Map other labels, such as -1 for a non-click, to 0 or 1 first.",
                path, line, self.schema.label, errors.INVALID_LABEL, label_text,
                "\t".join(fields))
        numeric = tuple(self._parse_number(fields, index, path, line)
                        for index in self.numeric_indices)
        categorical = tuple(fields[index] for index in self.categorical_indices)
        return ParsedRow(label, numeric, categorical)

    def _parse_number(self, fields: list[str], index: int, path: str, line: int) -> float:
        text = fields[index].strip()
        if not text:
            return float("nan")
        if _NUMBER.fullmatch(text):
            value = float(text)
            if abs(value) <= _FLOAT32_MAX:
                return value
            problem, reason = "overflows float32 (largest 3.4e38)", errors.NON_FINITE
        elif text.lstrip("+-").lower() in _NON_FINITE_WORDS:
            problem, reason = "is not a finite number", errors.NON_FINITE
        else:
            problem, reason = "is not a number", errors.NON_NUMERIC
        raise self._error(
            BadRowError, f"the numeric value {text!r} {problem}. Leave the field empty for "
            "a missing value, or declare the column categorical in the schema.",
            path, line, self.columns[index], reason, text, "\t".join(fields))


def iter_valid_rows(path: str, parser: RowParser, bad_rows) -> Iterator[tuple[int, ParsedRow]]:
    """Yields `(line_number, row)` for every valid data row of one file.

    Checks the header of headed formats, and passes each bad row, a truncated gzip
    end and an empty file to `bad_rows`, which raises or records it.

    Args:
        path: A plain or gzip file.
        parser: Parser of the file's schema.
        bad_rows: A `BadRowLog`.

    Raises:
        HeaderMismatchError: if the header differs from the schema.
        NoValidRowsError: if the file has data lines but none of them is valid.
        BadRowError: under the "error" policy, on the first bad row.
    """
    schema = parser.schema
    data_lines = valid_rows = 0
    first_problem = None
    lines = iter_lines(path)
    try:
        for line_number, raw in lines:
            if line_number == 1 and schema.header:
                check_header(path, raw, schema)
                continue
            data_lines += 1
            try:
                row = parser.parse(raw, path, line_number)
            except BadRowError as error:
                first_problem = first_problem or error
                bad_rows.handle(error)
                continue
            valid_rows += 1
            yield line_number, row
    except TruncatedFileError as error:
        bad_rows.handle(error)
        first_problem = first_problem or error
    if data_lines == 0 and first_problem is None:
        bad_rows.handle(empty_file_error(path, schema))
    elif data_lines and not valid_rows:
        raise errors.NoValidRowsError(
            f"{path}: none of its {data_lines} data lines is valid, so skipping bad rows "
            f"would drop the whole file. First problem: {first_problem} Check that the "
            "schema matches this file: --dataset or --schema for resfusion-train, the "
            "model card or --schema for resfusion-predict.")
