"""One test per kind of bad input, under both bad-row policies.

Under "error" each test asserts the exact error class and that the message names the
file, line and column. Under "skip" it asserts the counts by reason, the bad-rows
file, and that every good row was read.
"""

import gzip
import json
import logging as python_logging

import numpy as np
import pytest

from resfusion_tf.config import DataConfig
from resfusion_tf.data import errors, loading, readers, statistics
from resfusion_tf.data.bad_rows import BAD_ROWS_FILENAME, BadRowLog
from resfusion_tf.data.schema import FeatureSchema, SchemaError, load_schema

_TSV = FeatureSchema(name="tiny", label="y", numeric=("n",), categorical=("c",),
                     delimiter="\t", header=False)
_CSV = FeatureSchema(name="tiny_csv", label="y", numeric=("n",), categorical=("c",),
                     columns=("id", "y", "n", "c"), delimiter=",", header=True)

_GOOD = b"1\t1.5\ta\n0\t\tb\n"
_GOOD_LABELS = [1.0, 0.0, 1.0]
_GOOD_CATEGORIES = ["a", "b", "z"]

# (kind, bad line, column, reason). The bad line is line 3 of `_GOOD + bad + b"1\t2\tz\n"`.
_ROW_CASES = [
    ("too_few_fields", b"0\t3", "c", errors.TOO_FEW_FIELDS),
    ("too_many_fields", b"0\t3\tq\textra", "<extra field 4>", errors.TOO_MANY_FIELDS),
    ("non_numeric", b"0\tabc\tq", "n", errors.NON_NUMERIC),
    ("nan", b"0\tnan\tq", "n", errors.NON_FINITE),
    ("inf", b"0\t-Infinity\tq", "n", errors.NON_FINITE),
    ("float32_overflow", b"0\t1e39\tq", "n", errors.NON_FINITE),
    ("label_minus_one", b"-1\t3\tq", "y", errors.INVALID_LABEL),
    ("label_two", b"2\t3\tq", "y", errors.INVALID_LABEL),
    ("non_utf8_category", b"0\t3\tcaf\xe9", "c", errors.INVALID_UTF8),
]


def _write_bytes(path, data: bytes) -> str:
    path.write_bytes(data)
    return str(path)


def _file_with_bad_row(tmp_path, bad: bytes) -> str:
    return _write_bytes(tmp_path / "part.tsv", _GOOD + bad + b"\n1\t2\tz\n")


def _assert_names_location(message: str, path: str, line: int, column) -> None:
    assert f"{path}:{line}:" in message
    if column is not None:
        assert f"column {column!r}" in message


def _read_bad_rows_file(directory) -> list[list[str]]:
    lines = (directory / BAD_ROWS_FILENAME).read_text(encoding="utf-8").splitlines()
    assert lines[0].split("\t") == ["file", "line", "column", "reason", "value", "row"]
    return [line.split("\t") for line in lines[1:]]


@pytest.mark.parametrize("kind, bad, column, reason", _ROW_CASES, ids=[c[0] for c in _ROW_CASES])
def test_bad_row_error_mode(tmp_path, kind, bad, column, reason):
    path = _file_with_bad_row(tmp_path, bad)

    with pytest.raises(errors.BadRowError) as caught:
        readers.read_examples(path, _TSV)

    assert type(caught.value) is errors.BadRowError
    assert caught.value.reason == reason
    assert caught.value.line == 3
    _assert_names_location(str(caught.value), path, 3, column)
    assert "--on_bad_row=skip" in str(caught.value)


@pytest.mark.parametrize("kind, bad, column, reason", _ROW_CASES, ids=[c[0] for c in _ROW_CASES])
def test_bad_row_skip_mode(tmp_path, kind, bad, column, reason):
    path = _file_with_bad_row(tmp_path, bad)
    log = BadRowLog("skip", str(tmp_path / "model"))

    table = readers.read_examples(path, _TSV, log)
    log.close()

    assert dict(log.counts) == {reason: 1}
    np.testing.assert_array_equal(table.labels, _GOOD_LABELS)
    assert list(table.features["c"]) == _GOOD_CATEGORIES
    np.testing.assert_array_equal(table.features["n"], [1.5, np.nan, 2.0])
    rows = _read_bad_rows_file(tmp_path / "model")
    assert len(rows) == 1
    assert rows[0][:4] == [path, "3", column, reason]


def test_bad_row_message_shows_value(tmp_path):
    path = _file_with_bad_row(tmp_path, b"0\t12x\tq")

    with pytest.raises(errors.BadRowError, match=r"'12x'"):
        readers.read_examples(path, _TSV)


def test_float_labels_accepted(tmp_path):
    path = _write_bytes(tmp_path / "a.tsv", b"1.0\t1\ta\n0.0\t2\tb\n")

    table = readers.read_examples(path, _TSV)

    np.testing.assert_array_equal(table.labels, [1.0, 0.0])


def test_crlf_endings_read_cleanly(tmp_path):
    path = _write_bytes(tmp_path / "a.csv", b"id,y,n,c\r\n7,1,3\r\n8,0,,b\r\n")
    path_ok = _write_bytes(tmp_path / "b.csv", b"id,y,n,c\r\n7,1,3,a\r\n8,0,,b\r\n")

    table = readers.read_examples(path_ok, _CSV)

    assert list(table.features["c"]) == ["a", "b"]
    np.testing.assert_array_equal(table.features["n"], [3.0, np.nan])
    with pytest.raises(errors.BadRowError) as caught:
        readers.read_examples(path, _CSV)
    _assert_names_location(str(caught.value), path, 2, "c")


def test_empty_file_error_mode(tmp_path):
    path = _write_bytes(tmp_path / "empty.tsv", b"")

    with pytest.raises(errors.EmptyFileError) as caught:
        readers.read_examples(path, _TSV)

    assert type(caught.value) is errors.EmptyFileError
    _assert_names_location(str(caught.value), path, 1, None)


def test_empty_file_skip_mode(tmp_path):
    empty = _write_bytes(tmp_path / "part-0.tsv", b"")
    _write_bytes(tmp_path / "part-1.tsv", _GOOD)
    log = BadRowLog("skip", str(tmp_path / "model"))

    table = readers.read_examples(str(tmp_path / "part-*.tsv"), _TSV, log)
    log.close()

    assert dict(log.counts) == {errors.EMPTY_FILE: 1}
    assert len(table) == 2
    assert _read_bad_rows_file(tmp_path / "model")[0][:4] == [empty, "1", "", errors.EMPTY_FILE]


def test_only_empty_files_fail_in_skip_mode(tmp_path):
    _write_bytes(tmp_path / "empty.tsv", b"")

    with pytest.raises(errors.EmptyInputError) as caught:
        readers.read_examples(str(tmp_path / "empty.tsv"), _TSV, BadRowLog("skip"))

    assert type(caught.value) is errors.EmptyInputError
    assert "empty.tsv" in str(caught.value)


def test_empty_glob(tmp_path):
    pattern = str(tmp_path / "nothing-*.tsv")

    with pytest.raises(errors.EmptyInputError) as caught:
        readers.read_examples(pattern, _TSV, BadRowLog("skip"))

    assert type(caught.value) is errors.EmptyInputError
    assert pattern in str(caught.value)


def test_missing_header(tmp_path):
    path = _write_bytes(tmp_path / "a.csv", b"7,1,3,a\n8,0,,b\n")

    with pytest.raises(errors.HeaderMismatchError) as caught:
        readers.read_examples(path, _CSV, BadRowLog("skip"))

    assert type(caught.value) is errors.HeaderMismatchError
    _assert_names_location(str(caught.value), path, 1, "id")
    assert '"header": false' in str(caught.value)


def test_header_differs_from_schema(tmp_path):
    path = _write_bytes(tmp_path / "a.csv", b"id,y,num,c\n7,1,3,a\n")

    with pytest.raises(errors.HeaderMismatchError) as caught:
        readers.read_examples(path, _CSV)

    assert type(caught.value) is errors.HeaderMismatchError
    _assert_names_location(str(caught.value), path, 1, "n")
    assert "'num'" in str(caught.value)


def test_truncated_gzip_error_mode(tmp_path):
    rows = b"".join(b"%d\t%d\tv%d\n" % (i % 2, i, i) for i in range(20000))
    compressed = gzip.compress(rows)
    path = _write_bytes(tmp_path / "a.tsv.gz", compressed[: len(compressed) // 2])

    with pytest.raises(errors.TruncatedFileError) as caught:
        readers.read_examples(path, _TSV)

    assert type(caught.value) is errors.TruncatedFileError
    line = caught.value.line
    assert 1 < line < 20000
    _assert_names_location(str(caught.value), path, line, None)
    assert "gzip -t" in str(caught.value)


def test_truncated_gzip_skip_mode(tmp_path):
    rows = b"".join(b"%d\t%d\tv%d\n" % (i % 2, i, i) for i in range(20000))
    compressed = gzip.compress(rows)
    path = _write_bytes(tmp_path / "a.tsv.gz", compressed[: len(compressed) // 2])
    log = BadRowLog("skip", str(tmp_path / "model"))

    table = readers.read_examples(path, _TSV, log)
    log.close()

    assert dict(log.counts) == {errors.TRUNCATED_FILE: 1}
    assert log.truncated_at[path] == len(table) + 1
    np.testing.assert_array_equal(table.features["n"], np.arange(len(table), dtype=np.float32))
    assert _read_bad_rows_file(tmp_path / "model")[0][3] == errors.TRUNCATED_FILE


def test_every_row_bad_fails_in_skip_mode(tmp_path):
    path = _write_bytes(tmp_path / "a.tsv", b"1\t2\tx\ty\n0\t3\tx\ty\n")

    with pytest.raises(errors.NoValidRowsError) as caught:
        readers.read_examples(path, _TSV, BadRowLog("skip"))

    assert type(caught.value) is errors.NoValidRowsError
    _assert_names_location(str(caught.value), path, 1, "<extra field 4>")


@pytest.mark.parametrize("data, column", [
    ({"label": "y", "numeric": ["n"], "categorical": ["c"], "columns": ["y", "n", "c", "n"]},
     "'n'"),
    ({"label": "y", "numeric": ["n", "n"], "columns": ["y", "n"]}, "'n'"),
    ({"label": "y", "numeric": ["n"], "categorical": ["ghost"], "columns": ["y", "n"]},
     "'ghost'"),
])
def test_schema_duplicate_or_unknown_columns(tmp_path, data, column):
    path = tmp_path / "schema.json"
    path.write_text(json.dumps(data))

    with pytest.raises(SchemaError) as caught:
        load_schema(str(path))

    assert type(caught.value) is SchemaError
    assert str(path) in str(caught.value)
    assert column in str(caught.value)


@pytest.mark.parametrize("name", ["has space", "has\ttab", "what?", "100%", "a,b"])
def test_feature_names_tfdf_rejects(tmp_path, name):
    path = tmp_path / "schema.json"
    path.write_text(json.dumps({"label": "y", "numeric": [name]}))

    with pytest.raises(SchemaError) as caught:
        load_schema(str(path))

    assert type(caught.value) is SchemaError
    assert str(path) in str(caught.value)
    assert repr(name) in str(caught.value)


def test_all_one_class_training_data(tmp_path):
    rows = b"".join(b"0\t%d\tv%d\n" % (i, i % 3) for i in range(60))
    path = _write_bytes(tmp_path / "a.tsv", rows)
    schema_path = tmp_path / "schema.json"
    schema_path.write_text(json.dumps(_TSV.to_json_dict()))
    config = DataConfig(dataset="csv", schema_path=str(schema_path), train_path=path)

    with pytest.raises(errors.SingleClassError) as caught:
        loading.load_splits(config)

    assert type(caught.value) is errors.SingleClassError
    assert "label 0" in str(caught.value)


def test_category_count_above_vocabulary_limit(tmp_path, caplog):
    rows = b"".join(b"%d\t1\tv%d\n" % (i % 2, i % 40) for i in range(400))
    table = readers.read_examples(_write_bytes(tmp_path / "a.tsv", rows), _TSV)

    with caplog.at_level(python_logging.WARNING):
        result = statistics.compute_statistics(table, min_count=5, max_vocabulary_size=25)

    assert len(result.vocabularies["c"]) == 25
    warnings = [r.getMessage() for r in caplog.records if r.levelno == python_logging.WARNING]
    limit_warnings = [message for message in warnings if "Feature c has 40 values" in message]
    assert len(limit_warnings) == 1
    assert "limit 25" in limit_warnings[0]


def test_eval_file_columns_differ_from_training(tmp_path):
    train = _write_bytes(tmp_path / "train.csv", b"id,y,n,c\n" + b"".join(
        b"%d,%d,%d,v%d\n" % (i, i % 2, i, i % 3) for i in range(40)))
    evaluation = _write_bytes(tmp_path / "eval.csv", b"id,y,c,n\n1,0,v1,3\n")
    schema_path = tmp_path / "schema.json"
    schema_path.write_text(json.dumps(_CSV.to_json_dict()))
    config = DataConfig(dataset="csv", schema_path=str(schema_path), train_path=train,
                        eval_path=evaluation)

    with pytest.raises(errors.HeaderMismatchError) as caught:
        loading.load_splits(config, BadRowLog("skip"))

    assert type(caught.value) is errors.HeaderMismatchError
    _assert_names_location(str(caught.value), evaluation, 1, "n")


def test_headerless_eval_file_with_extra_column(tmp_path):
    train = _write_bytes(tmp_path / "train.tsv", b"".join(
        b"%d\t%d\tv%d\n" % (i % 2, i, i % 3) for i in range(40)))
    evaluation = _write_bytes(tmp_path / "eval.tsv", b"1\t2\tv1\tx\n0\t3\tv2\tx\n")
    schema_path = tmp_path / "schema.json"
    schema_path.write_text(json.dumps(_TSV.to_json_dict()))
    config = DataConfig(dataset="csv", schema_path=str(schema_path), train_path=train,
                        eval_path=evaluation)

    with pytest.raises(errors.BadRowError) as caught:
        loading.load_splits(config)
    with pytest.raises(errors.NoValidRowsError) as skipped:
        loading.load_splits(config, BadRowLog("skip"))

    _assert_names_location(str(caught.value), evaluation, 1, "<extra field 4>")
    assert evaluation in str(skipped.value)
