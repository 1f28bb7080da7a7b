"""The bad-row policy: stop on the first bad row, or skip bad rows and log each one.

Under `error` (the default) the first bad row raises its `BadRowError`. Under `skip`
each bad row is counted by reason and written to a tab-separated `bad_rows.tsv` with
its file, line, column, reason, value and text, so no row is lost without a record.
"""

import collections
import os
from typing import Optional

from absl import logging

from resfusion_tf.data.errors import TRUNCATED_FILE, BadRowError

ON_BAD_ROW_CHOICES = ("error", "skip")
BAD_ROWS_FILENAME = "bad_rows.tsv"
_BAD_ROWS_HEADER = ("file", "line", "column", "reason", "value", "row")
# Maximum length of the row text kept in the bad-rows file, in characters.
_MAX_ROW_TEXT = 2000


def _escape(text: str) -> str:
    """Escapes tabs, newlines and backslashes so each bad row stays on one line."""
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


class BadRowLog:
    """Applies the bad-row policy and records every skipped row.

    Args:
        policy: "error" raises the first bad row's error; "skip" records it and goes on.
        output_dir: Directory of `bad_rows.tsv` under "skip". None keeps the
            counts and skipped line numbers in memory only.

    Raises:
        ValueError: for an unknown policy.
    """

    def __init__(self, policy: str = "error", output_dir: Optional[str] = None):
        if policy not in ON_BAD_ROW_CHOICES:
            raise ValueError(f"on_bad_row must be one of {ON_BAD_ROW_CHOICES}, got {policy!r}.")
        self.policy = policy
        self.counts = collections.Counter()
        self.skipped_lines = collections.defaultdict(list)
        # File -> first line that could not be read, for truncated gzip files.
        self.truncated_at = {}
        self.path = None
        self._handle = None
        if policy == "skip" and output_dir:
            os.makedirs(output_dir, exist_ok=True)
            self.path = os.path.join(output_dir, BAD_ROWS_FILENAME)
            self._handle = open(self.path, "w", encoding="utf-8")
            self._handle.write("\t".join(_BAD_ROWS_HEADER) + "\n")

    def handle(self, error: BadRowError) -> None:
        """Raises `error` under "error". Under "skip", counts it and writes it down."""
        if self.policy == "error":
            raise error
        self.counts[error.reason] += 1
        if error.reason == TRUNCATED_FILE:
            self.truncated_at[error.path] = error.line
        else:
            self.skipped_lines[error.path].append(error.line)
        if self.counts[error.reason] <= 3:
            logging.warning("Skipping bad row: %s", error)
        if self._handle is not None:
            fields = (error.path, str(error.line), error.column or "", error.reason,
                      repr(error.value), error.row_text[:_MAX_ROW_TEXT])
            self._handle.write("\t".join(_escape(field) for field in fields) + "\n")

    @property
    def total(self) -> int:
        """Number of skipped rows and files."""
        return sum(self.counts.values())

    def summary(self) -> str:
        """Returns a one-line summary of the skipped rows by reason."""
        if not self.total:
            return "No bad rows."
        by_reason = ", ".join(f"{reason} {count}" for reason, count in sorted(self.counts.items()))
        where = f"; each one is listed in {self.path}" if self.path else ""
        return f"Skipped {self.total} bad rows ({by_reason}){where}."

    def close(self) -> None:
        """Flushes the bad-rows file and logs the summary."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None
        if self.policy == "skip":
            logging.info("%s", self.summary())
