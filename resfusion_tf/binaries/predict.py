"""resfusion-predict: scores CSV/TSV click logs with an exported composite SavedModel.

Reads the input files row by row and scores them in batches with the
`serving_default` signature. It writes one line per input data row, in input order.
Each line has the click probability and, with --stage_logits, the logit and every
stage's raw output, separated by tabs. Files are read in sorted path order, as `resfusion-train` reads
them. The schema comes from the model card in the SavedModel's `assets.extra/`, or
from --schema.

Rows that cannot be parsed follow --on_bad_row, as in training. Under "error" the
first one stops the run with its file, line and column. Under "skip" its output line
is empty, so line i of the output still belongs to data row i of the input. Each
skipped row is listed in bad_rows.tsv beside the output.

Examples:

  resfusion-predict --saved_model=exports/criteo --input=day_23.tsv --output=scores.txt
  resfusion-predict --saved_model=exports/criteo/3 --input='parts/*.tsv.gz' \
      --output=scores.tsv --stage_logits --output_header --on_bad_row=skip
"""

import os
import sys
import time

from absl import app, flags, logging

from resfusion_tf.data.bad_rows import ON_BAD_ROW_CHOICES
from resfusion_tf.data.errors import DataError
from resfusion_tf.data.schema import SchemaError
from resfusion_tf.export import batch_scoring as scoring
from resfusion_tf.export.model_card import ModelCardError

flags.DEFINE_string("saved_model", None,
                    "SavedModel version directory, or an export base directory, whose "
                    "highest version is then used.")
flags.DEFINE_string("input", None, "CSV/TSV files or globs to score, comma-separated; plain or .gz.")
flags.DEFINE_string("output", None, "Output file: one tab-separated line per input data row.")
flags.DEFINE_string("schema", "",
                    "JSON schema of the input files. Empty: the schema in the SavedModel's "
                    "model card. Its features must be the model's features.")
flags.DEFINE_integer("batch_size", 4096, "Rows per call of the SavedModel.")
flags.DEFINE_bool("stage_logits", False,
                  "Also write the logit and each stage's raw output after the probability.")
flags.DEFINE_bool("output_header", False, "Write a header line naming the output columns.")
flags.DEFINE_enum("on_bad_row", "error", ON_BAD_ROW_CHOICES,
                  "'error' stops at the first row that cannot be parsed; 'skip' writes an "
                  "empty line for it and lists it in bad_rows.tsv.")
flags.DEFINE_string("bad_rows_dir", "",
                    "Directory of bad_rows.tsv under --on_bad_row=skip. Empty: the "
                    "directory of --output.")
flags.DEFINE_integer("log_every_rows", 100_000, "Rows between two progress log lines.")
flags.mark_flags_as_required(["saved_model", "input", "output"])

FLAGS = flags.FLAGS


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {argv[1:]}. Pass options as --flag=value.")
    if FLAGS.batch_size < 1:
        raise app.UsageError(f"--batch_size must be at least 1, got {FLAGS.batch_size}.")
    bad_rows_dir = FLAGS.bad_rows_dir or os.path.dirname(os.path.abspath(FLAGS.output))
    start = time.time()
    try:
        model = scoring.load_scoring_model(FLAGS.saved_model, FLAGS.schema)
        summary = scoring.score_files(
            model, FLAGS.input, FLAGS.output, batch_size=FLAGS.batch_size,
            stage_logits=FLAGS.stage_logits, header=FLAGS.output_header,
            on_bad_row=FLAGS.on_bad_row, bad_rows_dir=bad_rows_dir,
            log_every_rows=FLAGS.log_every_rows)
    except (DataError, SchemaError, ModelCardError, scoring.ScoringError) as error:
        logging.error("%s", error)
        sys.exit(f"resfusion-predict: {error}")
    elapsed = time.time() - start
    print(f"Scored {summary.scored_rows} rows from {summary.files} files in {elapsed:.1f} s; "
          f"skipped {summary.skipped_rows} bad rows.")
    print(f"predictions: {FLAGS.output}")


def run():
    """Console-script entry point."""
    app.run(main)


if __name__ == "__main__":
    run()
