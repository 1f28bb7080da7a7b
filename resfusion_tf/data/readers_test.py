import gzip

import numpy as np
import pytest

from resfusion_tf.data import readers
from resfusion_tf.data.schema import AVAZU, FeatureSchema

_SCHEMA = FeatureSchema(name="tiny", label="y", numeric=("n",), categorical=("c",),
                        delimiter="\t", header=False)


def _write(path, text):
    path.write_text(text)
    return str(path)


def test_parses_missing_values_and_negative_numbers(tmp_path):
    path = _write(tmp_path / "a.tsv", "1\t-3\tx\n0\t\t\n1.0\t2\ty\n")

    table = readers.read_examples(path, _SCHEMA)

    np.testing.assert_array_equal(table.labels, [1.0, 0.0, 1.0])
    np.testing.assert_array_equal(table.features["n"], [-3.0, np.nan, 2.0])
    assert list(table.features["c"]) == ["x", "", "y"]


def test_gzip_and_glob(tmp_path):
    with gzip.open(tmp_path / "part-0.tsv.gz", "wt") as handle:
        handle.write("1\t1\ta\n")
    _write(tmp_path / "part-1.tsv", "0\t2\tb\n")

    table = readers.read_examples(str(tmp_path / "part-*"), _SCHEMA)

    assert len(table) == 2
    assert list(table.features["c"]) == ["a", "b"]


def test_bad_label_names_file_line_and_column(tmp_path):
    path = _write(tmp_path / "a.tsv", "1\t1\ta\n2\t1\tb\n")

    with pytest.raises(readers.DataError) as error:
        readers.read_examples(path, _SCHEMA)

    message = str(error.value)
    assert f"{path}:2:" in message
    assert "'y'" in message
    assert "'2'" in message


def test_non_numeric_value_names_column(tmp_path):
    path = _write(tmp_path / "a.tsv", "1\t1\ta\n0\tabc\tb\n")

    with pytest.raises(readers.DataError) as error:
        readers.read_examples(path, _SCHEMA)

    assert f"{path}:2:" in str(error.value)
    assert "'n'" in str(error.value)
    assert "'abc'" in str(error.value)


def test_short_line_is_an_error(tmp_path):
    path = _write(tmp_path / "a.tsv", "1\t1\ta\n0\t1\n")

    with pytest.raises(readers.DataError, match=r"a.tsv:2: column .c.: expected 3 fields .* found 2"):
        readers.read_examples(path, _SCHEMA)


def test_empty_glob_is_an_error(tmp_path):
    with pytest.raises(readers.DataError, match="No file matches"):
        readers.read_examples(str(tmp_path / "nothing-*.tsv"), _SCHEMA)


def test_empty_file_is_an_error(tmp_path):
    path = _write(tmp_path / "empty.tsv", "")

    with pytest.raises(readers.DataError, match="no data row"):
        readers.read_examples(path, _SCHEMA)


def test_header_must_match_schema(tmp_path):
    header = ",".join(AVAZU.columns[::-1])
    path = _write(tmp_path / "avazu.csv", header + "\n")

    with pytest.raises(readers.DataError, match=r"avazu.csv:1: column .id.: the header"):
        readers.read_examples(path, AVAZU)


def test_long_line_is_an_error(tmp_path):
    path = _write(tmp_path / "a.tsv", "1\t1\ta\n0\t1\tb\textra\n")

    with pytest.raises(readers.DataError, match=r"a.tsv:2: column .<extra field 4>.: expected 3 fields .* found 4"):
        readers.read_examples(path, _SCHEMA)


def test_crlf_line_endings(tmp_path):
    path = tmp_path / "a.tsv"
    path.write_bytes(b"1\t1\ta\r\n0\t2\tb\r\n")

    table = readers.read_examples(str(path), _SCHEMA)

    assert list(table.features["c"]) == ["a", "b"]
