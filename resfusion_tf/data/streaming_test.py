import gzip

import numpy as np

from resfusion_tf.config import DataConfig
from resfusion_tf.data import errors, readers, row_hash, streaming
from resfusion_tf.data.bad_rows import BadRowLog
from resfusion_tf.data.schema import FeatureSchema
from resfusion_tf.data.statistics import compute_statistics

_SCHEMA = FeatureSchema(name="tiny", label="y", numeric=("n",), categorical=("c",),
                        delimiter="\t", header=False)


def _rows(count: int, start: int = 0) -> bytes:
    return b"".join(b"%d\t%d\tv%d\n" % (i % 2, i, i % 7) for i in range(start, start + count))


def _config(path, **kwargs) -> DataConfig:
    return DataConfig(dataset="csv", train_path=path, min_count=1, **kwargs)


def _stream_all(data, split):
    numbers, labels = [], []
    for features, batch_labels, _ in data.dataset(split, 64):
        numbers.append(features["n"].numpy())
        labels.append(batch_labels.numpy())
    return np.concatenate(numbers), np.concatenate(labels)


def test_splits_partition_every_valid_row(tmp_path):
    path = tmp_path / "a.tsv"
    path.write_bytes(_rows(1000))

    data = streaming.scan(_config(str(path)), _SCHEMA, BadRowLog("error"))

    seen = np.concatenate([_stream_all(data, split)[0] for split in streaming.SPLITS])
    np.testing.assert_array_equal(np.sort(seen), np.arange(1000))
    assert abs(data.counts["eval"] - 200) <= 30
    assert abs(data.counts["valid"] - 80) <= 25
    assert [len(_stream_all(data, split)[0]) for split in streaming.SPLITS] == [
        data.counts[split] for split in streaming.SPLITS]


def test_split_matches_row_hash(tmp_path):
    path = tmp_path / "a.tsv"
    path.write_bytes(_rows(300))

    data = streaming.scan(_config(str(path)), _SCHEMA, BadRowLog("error"))

    evaluation, _ = _stream_all(data, "eval")
    bound = row_hash.threshold(0.2)
    expected = [n for n in range(300) if row_hash.row_hash(0, n + 1, row_hash.EVAL_SALT) < bound]
    np.testing.assert_array_equal(evaluation, expected)


def test_statistics_match_in_memory_reader(tmp_path):
    path = tmp_path / "a.tsv"
    path.write_bytes(_rows(500))

    data = streaming.scan(_config(str(path)), _SCHEMA, BadRowLog("error"))

    train_rows = _stream_all(data, "train")[0].astype(np.int64)
    table = readers.read_examples(str(path), _SCHEMA).take(train_rows)
    expected = compute_statistics(table, min_count=1)
    assert data.statistics.vocabularies == expected.vocabularies
    assert np.isclose(data.statistics.numeric_means["n"], expected.numeric_means["n"])
    assert np.isclose(data.statistics.numeric_stds["n"], expected.numeric_stds["n"])


def test_skipped_rows_never_reach_the_stream(tmp_path):
    path = tmp_path / "a.tsv"
    path.write_bytes(_rows(50) + b"1\tbad\tv\n0\t1\r\n" + _rows(50, start=50))
    log = BadRowLog("skip", str(tmp_path / "model"))

    data = streaming.scan(_config(str(path)), _SCHEMA, log)

    assert dict(log.counts) == {errors.NON_NUMERIC: 1, errors.TOO_FEW_FIELDS: 1}
    seen = np.concatenate([_stream_all(data, split)[0] for split in streaming.SPLITS])
    np.testing.assert_array_equal(np.sort(seen), np.arange(100))
    assert (tmp_path / "model" / "bad_rows.tsv").exists()


def test_truncated_gzip_streams_readable_rows(tmp_path):
    compressed = gzip.compress(_rows(20000))
    path = tmp_path / "a.tsv.gz"
    path.write_bytes(compressed[: len(compressed) // 2])
    log = BadRowLog("skip")

    data = streaming.scan(_config(str(path)), _SCHEMA, log)

    readable = log.truncated_at[str(path)] - 1
    seen = np.concatenate([_stream_all(data, split)[0] for split in streaming.SPLITS])
    np.testing.assert_array_equal(np.sort(seen), np.arange(readable))


def test_crlf_rows_stream_without_carriage_return(tmp_path):
    path = tmp_path / "a.tsv"
    path.write_bytes(_rows(200).replace(b"\n", b"\r\n"))

    data = streaming.scan(_config(str(path)), _SCHEMA, BadRowLog("error"))

    categories = np.concatenate([f["c"].numpy() for f, _, _ in data.dataset("train", 64)])
    assert all(not value.endswith(b"\r") for value in categories)
    assert set(categories) == {b"v%d" % i for i in range(7)}


def test_gbdt_sample_is_exact_and_in_stream_order(tmp_path):
    path = tmp_path / "a.tsv"
    path.write_bytes(_rows(1000))

    data = streaming.scan(_config(str(path)), _SCHEMA, BadRowLog("error"), gbdt_max_rows=100)
    table, positions = data.read_sample("train")

    assert len(table) == 100
    assert data.sample_sizes["train"] == 100
    all_numbers, _ = _stream_all(data, "train")
    np.testing.assert_array_equal(table.features["n"], all_numbers[positions])
    assert list(positions) == sorted(positions)


def test_single_class_split_is_an_error(tmp_path):
    path = tmp_path / "a.tsv"
    path.write_bytes(b"".join(b"1\t%d\tv\n" % i for i in range(100)))

    try:
        streaming.scan(_config(str(path)), _SCHEMA, BadRowLog("error"))
    except errors.SingleClassError as error:
        assert "label 1" in str(error)
    else:
        raise AssertionError("scan accepted a training split with one class")
