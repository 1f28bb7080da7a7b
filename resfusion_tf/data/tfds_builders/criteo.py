"""TFDS builder `criteo`: the Criteo Display Advertising Challenge training file."""

import tensorflow_datasets as tfds

from resfusion_tf.data.schema import CRITEO
from resfusion_tf.data.tfds_builders.click_log_builder import ClickLogBuilder


class Criteo(ClickLogBuilder):
    """Criteo Kaggle `train.txt`: a 0/1 label, 13 numeric and 26 categorical features."""

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "Splits by row hash: 80% train, 10% validation, 10% test."}
    SCHEMA = CRITEO
    RAW_FILE_PATTERNS = ("train.txt", "train.txt.gz")
    HOMEPAGE = "https://www.kaggle.com/c/criteo-display-ad-challenge"
    MANUAL_DOWNLOAD_INSTRUCTIONS = """\
    Download the Criteo Display Advertising Challenge data (dac.tar.gz, about 4.3 GB)
    after accepting its terms, extract it, and place `train.txt` (45,840,617 lines,
    about 11 GB, tab-separated, no header) or a gzip copy named `train.txt.gz` in the
    manual directory: `<data_dir>/downloads/manual/`, or the directory passed as
    `--tfds_manual_dir`. `test.txt` has no labels and is not used.
    """
