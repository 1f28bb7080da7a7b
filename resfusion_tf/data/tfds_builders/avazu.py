"""TFDS builder `avazu`: the Avazu Click-Through Rate Prediction training file."""

import tensorflow_datasets as tfds

from resfusion_tf.data.schema import AVAZU
from resfusion_tf.data.tfds_builders.click_log_builder import ClickLogBuilder


class Avazu(ClickLogBuilder):
    """Avazu Kaggle `train`: CSV with a header, `click` label and 22 categorical features."""

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "Splits by row hash: 80% train, 10% validation, 10% test."}
    SCHEMA = AVAZU
    RAW_FILE_PATTERNS = ("train", "train.gz", "train.csv", "train.csv.gz")
    HOMEPAGE = "https://www.kaggle.com/c/avazu-ctr-prediction"
    MANUAL_DOWNLOAD_INSTRUCTIONS = """\
    Download the Avazu Click-Through Rate Prediction data after accepting its terms,
    and place the training file (`train.gz` as downloaded, 40,428,967 rows, CSV with a
    header starting `id,click,hour`; or its extracted copy `train` or `train.csv`) in
    the manual directory: `<data_dir>/downloads/manual/`, or the directory passed as
    `--tfds_manual_dir`. The unlabelled `test` file is not used.
    """
