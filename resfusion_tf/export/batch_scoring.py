"""Batch scoring of CSV/TSV files with an exported composite SavedModel.

The library behind `resfusion-predict`. Rows are parsed one at a time with the
training reader's `RowParser` and bad-row policy, scored in batches with the
`serving_default` signature, and written in input order, so memory stays bounded by
the batch size whatever the file size.
"""

import dataclasses
import os
import time
from typing import Optional

import numpy as np
import tensorflow as tf
import tensorflow_decision_forests  # noqa: F401  Registers the TF-DF inference ops.
from absl import logging

from resfusion_tf.data.bad_rows import BadRowLog
from resfusion_tf.data.readers import expand_paths
from resfusion_tf.data.row_parser import RowParser, iter_valid_rows
from resfusion_tf.data.schema import FeatureSchema, load_schema
from resfusion_tf.export import model_card as model_card_lib
from resfusion_tf.export.exporter import existing_versions
from resfusion_tf.export.signatures import SERVING_DEFAULT
from resfusion_tf.export.warmup import ASSETS_EXTRA

PROBABILITY = "probability"
LOGIT = "logit"
_SAVED_MODEL_FILE = "saved_model.pb"


class ScoringError(ValueError):
    """Raised when a SavedModel cannot be found or does not match the input schema."""


@dataclasses.dataclass
class ScoringModel:
    """A loaded SavedModel and what is needed to feed it.

    Attributes:
        path: The SavedModel version directory.
        schema: Layout of the input files.
        signature: The `serving_default` concrete function.
        stage_outputs: Output names of the stages, in stage order.
    """

    path: str
    schema: FeatureSchema
    signature: object
    stage_outputs: list[str]

    @property
    def extra_outputs(self) -> list[str]:
        """The outputs that --stage_logits adds after the probability."""
        return [LOGIT, *self.stage_outputs]


@dataclasses.dataclass
class ScoringSummary:
    """Counts of one scoring run."""

    files: int
    scored_rows: int
    skipped_rows: int


def resolve_saved_model_dir(path: str) -> str:
    """Returns `path` if it is a SavedModel, else its highest integer version.

    Raises:
        ScoringError: if `path` is neither a SavedModel nor a base with versions.
    """
    if os.path.exists(os.path.join(path, _SAVED_MODEL_FILE)):
        return path
    versions = existing_versions(path)
    if not versions:
        raise ScoringError(
            f"{path} is not a SavedModel (no {_SAVED_MODEL_FILE}) and contains no integer "
            "version directory. Pass an export version directory such as exports/criteo/1, "
            "or its base directory.")
    return os.path.join(path, str(versions[-1]))


def _stage_outputs(card: Optional[dict], output_names) -> list[str]:
    if card and "stages" in card:
        return [stage["output"] for stage in card["stages"]]
    stage_names = [name for name in output_names if name.startswith("stage_")]
    return sorted(stage_names, key=lambda name: int(name.split("_")[1]))


def load_scoring_model(path: str, schema_path: str = "") -> ScoringModel:
    """Loads a SavedModel and the schema of the files to score.

    Args:
        path: A SavedModel version directory, or an export base directory.
        schema_path: JSON schema of the input files. Empty uses the model card's schema.

    Raises:
        ScoringError: if the SavedModel is missing, has no model card and no
            `schema_path` is given, or the schema's features differ from the inputs
            of `serving_default`.
    """
    saved_model_dir = resolve_saved_model_dir(path)
    card_path = os.path.join(saved_model_dir, ASSETS_EXTRA, model_card_lib.MODEL_CARD_FILE)
    card = model_card_lib.read_model_card(card_path) if os.path.exists(card_path) else None
    if schema_path:
        schema = load_schema(schema_path)
    elif card is not None:
        schema = model_card_lib.schema_from_card(card, source=card_path)
    else:
        raise ScoringError(f"{card_path} is missing, so the input schema is unknown. Pass "
                           "--schema=FILE.json describing the input files.")

    logging.info("Loading SavedModel %s.", saved_model_dir)
    signature = tf.saved_model.load(saved_model_dir).signatures[SERVING_DEFAULT]
    inputs = set(signature.structured_input_signature[1])
    if inputs != set(schema.features):
        raise ScoringError(
            f"The schema features differ from the inputs of {saved_model_dir}: missing "
            f"{sorted(inputs - set(schema.features))}, unknown "
            f"{sorted(set(schema.features) - inputs)}. Pass the --schema the model was "
            "trained with.")
    stage_outputs = _stage_outputs(card, signature.structured_outputs)
    return ScoringModel(saved_model_dir, schema, signature, stage_outputs)


def _batch_tensors(schema: FeatureSchema, rows) -> dict[str, tf.Tensor]:
    numeric = np.array([row.numeric for row in rows], np.float32).reshape(
        len(rows), len(schema.numeric))
    tensors = {name: tf.constant(numeric[:, position])
               for position, name in enumerate(schema.numeric)}
    for position, name in enumerate(schema.categorical):
        tensors[name] = tf.constant([row.categorical[position] for row in rows], tf.string)
    return tensors


class _OrderedWriter:
    """Writes output lines in input order, with an empty line for each skipped row."""

    def __init__(self, handle, columns: list[str]):
        self.handle = handle
        self.columns = columns
        self.empty_line = "\t" * (len(columns) - 1) + "\n"
        self.next_line = 0

    def start_file(self, first_data_line: int) -> None:
        self.next_line = first_data_line

    def write_batch(self, line_numbers: list[int], outputs: dict) -> int:
        """Writes one scored batch and returns how many skipped rows it filled in."""
        values = np.stack([outputs[name].numpy() for name in self.columns], axis=1)
        filled = 0
        for line_number, row in zip(line_numbers, values):
            filled += self.fill_skipped(line_number)
            self.handle.write("\t".join(f"{value:.9g}" for value in row) + "\n")
            self.next_line = line_number + 1
        return filled

    def fill_skipped(self, until_line: int) -> int:
        """Writes an empty line for each data line before `until_line` not yet written."""
        count = max(0, until_line - self.next_line)
        self.handle.write(self.empty_line * count)
        self.next_line = max(self.next_line, until_line)
        return count


def _score_batch(model: ScoringModel, writer: _OrderedWriter, batch) -> int:
    line_numbers = [line_number for line_number, _ in batch]
    outputs = model.signature(**_batch_tensors(model.schema, [row for _, row in batch]))
    return writer.write_batch(line_numbers, outputs)


def score_files(model: ScoringModel, pattern: str, output_path: str, batch_size: int = 4096,
                stage_logits: bool = False, header: bool = False, on_bad_row: str = "error",
                bad_rows_dir: Optional[str] = None,
                log_every_rows: int = 100_000) -> ScoringSummary:
    """Scores every row of the files matched by `pattern` and writes one line per row.

    The output is written to `<output_path>.partial` and renamed when complete, so a
    file at `output_path` always contains a whole run.

    Args:
        model: From `load_scoring_model`.
        pattern: Comma-separated files or globs, read in sorted order.
        output_path: The output file.
        batch_size: Rows per SavedModel call.
        stage_logits: Also write the logit and each stage's raw output.
        header: Write a header line naming the columns.
        on_bad_row: "error" or "skip", as in training.
        bad_rows_dir: Directory of bad_rows.tsv under "skip".
        log_every_rows: Rows between progress log lines.

    Raises:
        DataError: if no file matches, or under "error" on the first bad row.
    """
    paths = expand_paths(pattern)
    columns = [PROBABILITY, *(model.extra_outputs if stage_logits else [])]
    bad_rows = BadRowLog(on_bad_row, bad_rows_dir if on_bad_row == "skip" else None)
    parser = RowParser(model.schema)
    first_data_line = 2 if model.schema.header else 1
    temp_path = output_path + ".partial"
    os.makedirs(os.path.dirname(os.path.abspath(output_path)), exist_ok=True)

    scored = skipped = 0
    start = last_log = time.time()
    next_log = log_every_rows
    try:
        with open(temp_path, "w", encoding="utf-8") as handle:
            if header:
                handle.write("\t".join(columns) + "\n")
            writer = _OrderedWriter(handle, columns)
            for path in paths:
                logging.info("Scoring %s.", path)
                writer.start_file(first_data_line)
                batch = []
                for line_number, row in iter_valid_rows(path, parser, bad_rows):
                    batch.append((line_number, row))
                    if len(batch) < batch_size:
                        continue
                    skipped += _score_batch(model, writer, batch)
                    scored += len(batch)
                    batch = []
                    if scored >= next_log:
                        now = time.time()
                        logging.info("Scored %d rows (%d skipped) at %.0f rows/s; now at %s "
                                     "line %d.", scored, skipped,
                                     log_every_rows / max(now - last_log, 1e-9), path,
                                     line_number)
                        last_log, next_log = now, next_log + log_every_rows
                if batch:
                    skipped += _score_batch(model, writer, batch)
                    scored += len(batch)
                trailing = [line for line in bad_rows.skipped_lines.get(path, [])
                            if line >= writer.next_line]
                if trailing:
                    skipped += writer.fill_skipped(max(trailing) + 1)
                logging.info("Finished %s: %d rows scored, %d skipped so far.", path, scored,
                             skipped)
        os.replace(temp_path, output_path)
    except BaseException:
        if os.path.exists(temp_path):
            os.remove(temp_path)
        raise
    finally:
        bad_rows.close()

    logging.info("Wrote %d lines (%d scored, %d skipped rows) for %d files to %s in %.1f s.",
                 scored + skipped, scored, skipped, len(paths), output_path,
                 time.time() - start)
    return ScoringSummary(len(paths), scored, skipped)


def read_predictions(path: str, header: bool = False) -> np.ndarray:
    """Reads the probability column of a `resfusion-predict` output; skipped rows are NaN."""
    with open(path, encoding="utf-8") as handle:
        lines = handle.read().splitlines()
    if header:
        lines = lines[1:]
    return np.array([float(line.split("\t")[0]) if line.split("\t")[0] else np.nan
                     for line in lines], np.float64)

