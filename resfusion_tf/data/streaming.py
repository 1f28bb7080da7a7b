"""Streaming input: click logs far larger than memory, read with `tf.data`.

Two kinds of pass read the files:

1. `scan` reads every line once in Python with the shared `RowParser`. It applies the
   bad-row policy, assigns each row to a split by `row_hash`, counts rows and
   labels, and builds the vocabularies and numeric moments of the training split.
   Its memory grows with the number of distinct category values, not with rows.
2. `StreamingData.dataset` streams one split with `TextLineDataset`, skipping the
   lines the scan found bad, and parses batches of lines with TensorFlow string ops
   in parallel `map` calls. Each epoch of a neural stage is one such pass.

The split of a row depends only on its file's position in the sorted input list,
its line number and `split_seed` (see `resfusion_tf.data.row_hash`), so both passes
agree without holding any per-row state.
"""

import collections
import dataclasses
import heapq
from typing import Optional

import numpy as np
import tensorflow as tf
from absl import logging

from resfusion_tf.config import DataConfig
from resfusion_tf.data import row_hash
from resfusion_tf.data.bad_rows import BadRowLog
from resfusion_tf.data.errors import EmptyInputError, SingleClassError
from resfusion_tf.data.examples import ExampleTable
from resfusion_tf.data.readers import expand_paths
from resfusion_tf.data.row_parser import RowParser, iter_valid_rows
from resfusion_tf.data.schema import FeatureSchema
from resfusion_tf.data.statistics import (FeatureStatistics, build_feature_vocabulary,
                                          transform_numeric)

SPLITS = ("train", "valid", "eval")
# Rows parsed per flush of the scan's statistics buffers.
_SCAN_CHUNK = 8192
_READ_BUFFER_BYTES = 1 << 20
# Rows per batch when a split is read whole (labels, the GBDT sample). Larger batches
# would make the peak memory grow with the split up to the batch size.
_READ_BATCH_SIZE = 8192
# Batches parsed ahead. A fixed count keeps the peak memory independent of the input,
# where AUTOTUNE may grow the buffer during a long run.
_PREFETCH_BATCHES = 2


@dataclasses.dataclass
class InputFile:
    """One input file as the scan found it.

    Attributes:
        path: The file.
        index: Position in the sorted list of all input files; part of the row hash.
        is_eval_file: Whether the file came from `eval_path`.
        readable_lines: Lines that can be read, header included; -1 for all. Less
            than all only for a truncated gzip file skipped under "skip".
        skipped_lines: Sorted line numbers of the rows skipped as bad.
    """

    path: str
    index: int
    is_eval_file: bool
    readable_lines: int = -1
    skipped_lines: list = dataclasses.field(default_factory=list)


class _SplitRule:
    """Decides the split of a row from its file and line number."""

    def __init__(self, config: DataConfig):
        self.separate_eval = bool(config.eval_path)
        # Offset the salts by the seed so that a new split_seed gives new holdouts.
        self.eval_salt = row_hash.EVAL_SALT + 16 * config.split_seed
        self.valid_salt = row_hash.VALIDATION_SALT + 16 * config.split_seed
        # The validation hash is independent of the evaluation hash, so this bound
        # holds out `validation_fraction` of the rows left after the evaluation
        # holdout, as the in-memory split does.
        self.eval_bound = row_hash.threshold(0.0 if self.separate_eval else config.eval_fraction)
        self.valid_bound = row_hash.threshold(config.validation_fraction)

    def split_of(self, input_file: InputFile, line: int) -> str:
        if input_file.is_eval_file:
            return "eval"
        if row_hash.row_hash(input_file.index, line, self.eval_salt) < self.eval_bound:
            return "eval"
        if row_hash.row_hash(input_file.index, line, self.valid_salt) < self.valid_bound:
            return "valid"
        return "train"

    def split_mask_tf(self, is_eval_file: bool, file_index, line, split: str) -> tf.Tensor:
        """Returns a boolean tensor: which rows of an input file belong to `split`."""
        if is_eval_file:
            return tf.fill(tf.shape(line), split == "eval")
        in_eval = row_hash.row_hash_tf(file_index, line, self.eval_salt) < self.eval_bound
        in_valid = row_hash.row_hash_tf(file_index, line, self.valid_salt) < self.valid_bound
        if split == "eval":
            return in_eval
        if split == "valid":
            return tf.logical_and(tf.logical_not(in_eval), in_valid)
        return tf.logical_not(tf.logical_or(in_eval, in_valid))


class _SampleBound:
    """Tracks the `capacity` smallest sample hashes of a split, in bounded memory."""

    def __init__(self, capacity: Optional[int]):
        self.capacity = capacity
        self.heap = []  # Negated hashes, so heap[0] is minus the largest kept hash.

    def add(self, value: int) -> None:
        if not self.capacity:
            return
        if len(self.heap) < self.capacity:
            heapq.heappush(self.heap, -value)
        elif value < -self.heap[0]:
            heapq.heapreplace(self.heap, -value)

    def bound(self, rows: int) -> int:
        """Returns the largest hash in the sample: every row at or below it is sampled."""
        if self.capacity is None or rows <= self.capacity:
            return row_hash.MODULUS
        if self.capacity == 0:
            return -1
        return -self.heap[0]


class _TrainingStatistics:
    """Accumulates vocabularies and numeric moments over streamed training rows."""

    def __init__(self, schema: FeatureSchema):
        self.schema = schema
        self.counters = [collections.Counter() for _ in schema.categorical]
        self.sums = np.zeros(len(schema.numeric))
        self.squares = np.zeros(len(schema.numeric))
        self.present = np.zeros(len(schema.numeric))
        self.rows = 0
        self.buffer = []

    def add(self, row) -> None:
        self.buffer.append(row)
        if len(self.buffer) >= _SCAN_CHUNK:
            self.flush()

    def flush(self) -> None:
        if not self.buffer:
            return
        self.rows += len(self.buffer)
        if self.schema.numeric:
            values = np.array([row.numeric for row in self.buffer], dtype=np.float64)
            transformed = transform_numeric(values)
            finite = np.isfinite(transformed)
            self.sums += np.where(finite, transformed, 0.0).sum(axis=0)
            self.squares += np.where(finite, transformed ** 2, 0.0).sum(axis=0)
            self.present += finite.sum(axis=0)
        columns = zip(*(row.categorical for row in self.buffer))
        for counter, column in zip(self.counters, columns):
            counter.update(column)
        self.buffer = []

    def finish(self, min_count: int, max_vocabulary_size: Optional[int]) -> FeatureStatistics:
        self.flush()
        vocabularies = {}
        for name, counter in zip(self.schema.categorical, self.counters):
            counter.pop("", None)
            vocabularies[name] = build_feature_vocabulary(name, counter, min_count,
                                                          max_vocabulary_size)
        means, stds = {}, {}
        for position, name in enumerate(self.schema.numeric):
            count = self.present[position]
            mean = self.sums[position] / count if count else 0.0
            variance = self.squares[position] / count - mean ** 2 if count else 1.0
            std = float(np.sqrt(max(variance, 0.0)))
            means[name], stds[name] = float(mean), std if std > 1e-6 else 1.0
        logging.info("Built vocabularies over %d streamed training rows: %d values kept "
                     "with min_count=%d.", self.rows,
                     sum(len(v) for v in vocabularies.values()), min_count)
        return FeatureStatistics(vocabularies, means, stds, self.rows)


@dataclasses.dataclass
class StreamingData:
    """The scanned input of a streaming run and the `tf.data` pipelines over it.

    Attributes:
        schema: Layout of every file.
        files: Every input file, training files first.
        statistics: Vocabularies and numeric moments of the training split.
        counts: Rows per split.
        positives: Rows labelled 1 per split.
        sample_bounds: Per split, the largest `SAMPLE_SALT` hash of a row in the GBDT
            sample; `row_hash.MODULUS` when every row is sampled.
        sample_sizes: Rows per split in the GBDT sample.
        bad_rows: The bad-row log of the scan.
        rule: The split of each row.
    """

    schema: FeatureSchema
    files: list
    statistics: FeatureStatistics
    counts: dict
    positives: dict
    sample_bounds: dict
    sample_sizes: dict
    bad_rows: BadRowLog
    rule: _SplitRule

    def _lines(self, input_files: list, split: str) -> tf.data.Dataset:
        """Streams `(file_index, line_number, line)` of the rows of `split`, in order.

        One `flat_map` over a table of the files builds a single pipeline, so its
        functions are traced once whatever the number of files.
        """
        is_eval_file = input_files[0].is_eval_file
        table = tf.data.Dataset.from_tensor_slices((
            [f.path for f in input_files],
            tf.constant([f.index for f in input_files], tf.int64),
            ["GZIP" if f.path.endswith(".gz") else "" for f in input_files],
            tf.constant([f.readable_lines for f in input_files], tf.int64),
        ))
        # Sorted keys `file_index * 2^32 + line` of the rows the scan skipped.
        skipped_keys = sorted((f.index << 32) + line for f in input_files
                              for line in f.skipped_lines)
        skipped = tf.constant(skipped_keys or [-1], dtype=tf.int64)
        header = self.schema.header
        rule = self.rule

        def keep(file_index, line_number, line):
            del line
            key = file_index * (1 << 32) + line_number
            position = tf.minimum(tf.searchsorted(skipped, [key]), tf.size(skipped) - 1)
            is_skipped = tf.equal(tf.gather(skipped, position)[0], key)
            in_split = rule.split_mask_tf(is_eval_file, file_index, line_number, split)
            return tf.logical_and(tf.logical_not(is_skipped), in_split)

        def file_lines(path, file_index, compression, readable_lines):
            lines = tf.data.TextLineDataset(path, compression_type=compression,
                                            buffer_size=_READ_BUFFER_BYTES)
            lines = lines.take(readable_lines).enumerate(start=1)
            if header:
                lines = lines.skip(1)
            return lines.map(lambda line_number, line: (file_index, line_number, line))

        return table.flat_map(file_lines).filter(keep)

    def dataset(self, split: str, batch_size: int) -> tf.data.Dataset:
        """Streams `split` as batches of `(features, labels, in_gbdt_sample)`.

        The order is the file order and the same on every pass, so per-row arrays
        saved from one pass (such as earlier stages' predictions) line up with the
        next one. Shuffle downstream.

        Args:
            split: "train", "valid" or "eval".
            batch_size: Rows per batch; the last batch may be smaller.
        """
        if split not in SPLITS:
            raise ValueError(f"split must be one of {SPLITS}, got {split!r}.")
        from_eval_files = split == "eval" and self.rule.separate_eval
        input_files = [f for f in self.files if f.is_eval_file == from_eval_files]
        bound = self.sample_bounds.get(split, row_hash.MODULUS)
        parse = _make_batch_parser(self.schema, bound)
        return (self._lines(input_files, split).batch(batch_size)
                .map(parse, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
                .prefetch(_PREFETCH_BATCHES))

    def labels(self, split: str) -> np.ndarray:
        """Returns the labels of `split` in stream order (4 bytes per row)."""
        parts = [labels.numpy() for _, labels, _ in self.dataset(split, _READ_BATCH_SIZE)]
        return np.concatenate(parts) if parts else np.zeros([0], np.float32)

    def read_sample(self, split: str) -> tuple[ExampleTable, np.ndarray]:
        """Reads the GBDT sample of `split` into memory.

        Returns:
            `(table, positions)`: the sampled rows, and their positions in the stream
            order of `split`.
        """
        features = collections.defaultdict(list)
        labels, positions = [], []
        offset = 0
        for batch_features, batch_labels, in_sample in self.dataset(split, _READ_BATCH_SIZE):
            mask = in_sample.numpy()
            for name, values in batch_features.items():
                features[name].append(values.numpy()[mask])
            labels.append(batch_labels.numpy()[mask])
            positions.append(offset + np.flatnonzero(mask))
            offset += mask.shape[0]
        columns = {}
        for name in self.schema.features:
            values = np.concatenate(features[name]) if features[name] else np.zeros([0])
            if self.schema.is_numeric(name):
                columns[name] = values.astype(np.float32)
            else:
                decoded = np.empty(values.shape[0], dtype=object)
                decoded[:] = [value.decode("utf-8") for value in values]
                columns[name] = decoded
        table = ExampleTable(self.schema, columns,
                             np.concatenate(labels).astype(np.float32) if labels else
                             np.zeros([0], np.float32))
        return table, (np.concatenate(positions) if positions else np.zeros([0], np.int64))


def _make_batch_parser(schema: FeatureSchema, sample_bound: int):
    """Returns a `map` function from a batch of lines to `(features, labels, in_sample)`.

    The scan already removed every invalid line, so the conversions see only labels
    and numbers that `RowParser` accepted.
    """
    columns = list(schema.columns)
    label_index = columns.index(schema.label)

    def parse(file_index, line_number, lines):
        fields = tf.strings.split(lines, sep=schema.delimiter)
        fields = fields.to_tensor(default_value="", shape=[None, len(columns)])
        labels = tf.strings.to_number(tf.strings.strip(fields[:, label_index]), tf.float32)
        features = {}
        for name in schema.numeric:
            text = tf.strings.strip(fields[:, columns.index(name)])
            text = tf.where(tf.equal(text, ""), "nan", text)
            features[name] = tf.strings.to_number(text, tf.float32)
        for name in schema.categorical:
            features[name] = fields[:, columns.index(name)]
        in_sample = row_hash.row_hash_tf(file_index, line_number,
                                         row_hash.SAMPLE_SALT) <= sample_bound
        return features, labels, in_sample

    return parse


def scan(config: DataConfig, schema: FeatureSchema, bad_rows: BadRowLog,
         gbdt_max_rows: Optional[int] = None) -> StreamingData:
    """Reads every input row once: validates, splits, counts and builds statistics.

    Args:
        config: Input paths, holdout fractions, seed and vocabulary settings.
        schema: Layout of every file.
        bad_rows: The bad-row policy.
        gbdt_max_rows: Size of the GBDT sample per split, None for every row, or 0
            for no sample (a run without GBDT stages).

    Raises:
        EmptyInputError: if no file matches or a split has no row.
        SingleClassError: if every row of a split has the same label.
        DataError: on bad input, as `resfusion_tf.data.row_parser` describes.
    """
    if not config.train_path:
        raise EmptyInputError(f"--dataset={config.dataset} needs --train_path=FILE_OR_GLOB.")
    paths = [(path, False) for path in expand_paths(config.train_path)]
    if config.eval_path:
        paths += [(path, True) for path in expand_paths(config.eval_path)]
    files = [InputFile(path, index, is_eval) for index, (path, is_eval) in enumerate(paths)]

    rule = _SplitRule(config)
    parser = RowParser(schema)
    statistics = _TrainingStatistics(schema)
    counts = dict.fromkeys(SPLITS, 0)
    positives = dict.fromkeys(SPLITS, 0)
    sample = {split: _SampleBound(gbdt_max_rows) for split in ("train", "valid")}

    for input_file in files:
        skipped_before = len(bad_rows.skipped_lines.get(input_file.path, ()))
        file_rows = 0
        for line, row in iter_valid_rows(input_file.path, parser, bad_rows):
            split = rule.split_of(input_file, line)
            counts[split] += 1
            positives[split] += int(row.label)
            file_rows += 1
            if split in sample:
                sample[split].add(row_hash.row_hash(input_file.index, line, row_hash.SAMPLE_SALT))
            if split == "train":
                statistics.add(row)
        _record_skipped(input_file, bad_rows, skipped_before)
        logging.info("Scanned %s: %d valid rows.", input_file.path, file_rows)

    bad_rows.close()
    _check_splits(counts, positives, [f.path for f in files])
    bounds = {split: sample[split].bound(counts[split]) for split in sample}
    sizes = {split: counts[split] if gbdt_max_rows is None else min(counts[split], gbdt_max_rows)
             for split in sample}
    data = StreamingData(schema, files, statistics.finish(config.min_count,
                                                          config.max_vocabulary_size),
                         counts, positives, bounds, sizes, bad_rows, rule)
    logging.info("Streaming splits: %d training, %d validation and %d evaluation rows.",
                 counts["train"], counts["valid"], counts["eval"])
    return data


def _record_skipped(input_file: InputFile, bad_rows: BadRowLog, skipped_before: int) -> None:
    """Copies the file's skipped line numbers from the log; a truncation ends the file."""
    lines = bad_rows.skipped_lines.get(input_file.path, [])[skipped_before:]
    input_file.skipped_lines = sorted(set(lines))
    if input_file.path in bad_rows.truncated_at:
        input_file.readable_lines = bad_rows.truncated_at[input_file.path] - 1


def _check_splits(counts: dict, positives: dict, paths: list) -> None:
    names = {"train": "training", "valid": "validation", "eval": "evaluation"}
    for split in SPLITS:
        if counts[split] == 0:
            raise EmptyInputError(
                f"The {names[split]} split of {paths[:4]} is empty. Use more rows, or "
                "larger --eval_fraction and --validation_fraction.")
        if positives[split] in (0, counts[split]):
            label = 1 if positives[split] else 0
            raise SingleClassError(
                f"Every one of the {counts[split]} rows of the {names[split]} split has "
                f"label {label}, so no classifier can be trained. Check the label column, "
                "or use a larger or different sample.")
