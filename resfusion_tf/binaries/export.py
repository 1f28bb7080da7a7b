"""resfusion-export: re-exports a trained run as a new SavedModel version, without training.

Rebuilds every stage from `--model_dir` (written by `resfusion-train`) and writes the
composite SavedModel, with its signatures, warm-up requests and model card, to
`<export_dir>/<version>/`. Use it to export a run again with a newer version of this
package, or to publish it under another base directory.

Examples:

  resfusion-export --model_dir=runs/criteo --export_dir=exports/criteo
  resfusion-export --model_dir=runs/criteo --export_dir=/serving/ctr --export_version=7
"""

import sys

from absl import app, flags, logging

from resfusion_tf.export.exporter import ExportError, export_composite, resolve_version
from resfusion_tf.export.model_card import ModelCardError
from resfusion_tf.export.warmup import warmup_features
from resfusion_tf.fusion.restore import RestoreError, restore_run

flags.DEFINE_string("model_dir", None, "Directory of a run written by resfusion-train.")
flags.DEFINE_string("export_dir", None, "Base directory of the versioned SavedModel export.")
flags.DEFINE_integer("export_version", None, "Export version. Default: the next free one.")
flags.mark_flags_as_required(["model_dir", "export_dir"])

FLAGS = flags.FLAGS


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {argv[1:]}. Pass options as --flag=value.")
    try:
        # Checks the version before the slow restore, so a taken version fails at once.
        resolve_version(FLAGS.export_dir, FLAGS.export_version)
        restored = restore_run(FLAGS.model_dir)
        path = export_composite(
            restored.composite(), FLAGS.export_dir, FLAGS.export_version,
            model_card=restored.model_card,
            warmup_features=warmup_features(restored.schema, restored.statistics))
    except (ExportError, ModelCardError, RestoreError) as error:
        logging.error("%s", error)
        sys.exit(f"resfusion-export: {error}")
    print(f"SavedModel: {path}")


def run():
    """Console-script entry point."""
    app.run(main)


if __name__ == "__main__":
    run()
