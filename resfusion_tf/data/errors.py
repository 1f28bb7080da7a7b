"""Errors raised on invalid input data.

Every error names the file and, where one applies, the line and column, shows the
offending value, and tells what to do next. `BadRowError` and its subclasses are the
problems that `--on_bad_row=skip` may skip. The others always stop a run.
"""

from typing import Optional


class DataError(ValueError):
    """Raised when input data cannot be used. The message names the file and line."""


class EmptyInputError(DataError):
    """Raised when a pattern matches no file, or the matched files hold no data row."""


class HeaderMismatchError(DataError):
    """Raised when a file's header is missing or differs from the schema columns."""


class SingleClassError(DataError):
    """Raised when every row of a split has the same label, so no classifier can train."""


class NoValidRowsError(DataError):
    """Raised when a non-empty file has no valid row, even under `--on_bad_row=skip`.

    A schema that does not match the file makes every row bad. Skipping them all
    would silently drop the whole file, so this stops the run in every mode.
    """


class BadRowError(DataError):
    """Raised for one row (or the rest of one file) that cannot be parsed.

    Attributes:
        path: The file.
        line: 1-based line number in the file.
        column: Name of the offending column, or None when the problem is not in
            one column (such as a truncated gzip file).
        reason: Short machine-readable reason, one of `REASONS`.
        value: The offending value as read.
        row_text: The whole line, for the bad-rows file.
    """

    def __init__(self, message: str, *, path: str, line: int, column: Optional[str],
                 reason: str, value: object = None, row_text: str = ""):
        super().__init__(message)
        self.path = path
        self.line = line
        self.column = column
        self.reason = reason
        self.value = value
        self.row_text = row_text


class TruncatedFileError(BadRowError):
    """Raised when a gzip file ends before its end-of-stream marker."""


class EmptyFileError(BadRowError):
    """Raised when one of several input files contains no data row."""


# Reasons a row can be bad, as written to the bad-rows file.
TOO_FEW_FIELDS = "too_few_fields"
TOO_MANY_FIELDS = "too_many_fields"
NON_NUMERIC = "non_numeric"
NON_FINITE = "non_finite"
INVALID_LABEL = "invalid_label"
INVALID_UTF8 = "invalid_utf8"
TRUNCATED_FILE = "truncated_file"
EMPTY_FILE = "empty_file"
REASONS = (TOO_FEW_FIELDS, TOO_MANY_FIELDS, NON_NUMERIC, NON_FINITE, INVALID_LABEL,
           INVALID_UTF8, TRUNCATED_FILE, EMPTY_FILE)
