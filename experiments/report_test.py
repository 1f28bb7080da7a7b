import pandas as pd
import pytest

from experiments import report

HEADER = report.RunHeader(command="python -m experiments.run --dataset=x",
                          packages={"tensorflow": "2.19.0"}, machine="test machine",
                          data="1 row")


def _results():
    rows = []
    for seed, (resfusion, gbdt) in enumerate([(0.80, 0.70), (0.82, 0.72), (0.81, 0.71)]):
        for model, auc in (("GBDTRes+DeepFM", resfusion), ("GBDT", gbdt)):
            rows.append({"table": "models", "model": model, "stages": "gbdt", "k": None,
                         "seed": seed, "auc": auc, "logloss": 0.4, "train_seconds": 2.0,
                         "parameters": 100, "eval_rows": 10})
        rows.append({"table": "k_study", "model": "ResFusion K=0", "stages": "gbdt", "k": 0,
                     "seed": seed, "auc": gbdt, "logloss": 0.5, "train_seconds": None,
                     "parameters": 50, "eval_rows": 10})
    return pd.DataFrame(rows, columns=list(report.RESULT_COLUMNS))


def test_summary_has_mean_and_sample_std():
    summary = report.summarize_models(_results())
    assert list(summary["model"]) == ["GBDTRes+DeepFM", "GBDT"]
    assert summary.loc[0, "AUC"] == "0.8100 ± 0.0100"
    assert summary.loc[0, "seeds"] == 3


def test_comparison_states_gain_in_stds():
    lines = report.compare_resfusion(_results())
    assert len(lines) == 1
    assert "vs GBDT: mean AUC higher by +0.1000" in lines[0]
    assert "+10.0 std" in lines[0]


def test_markdown_has_header_and_both_tables():
    markdown = report.render_markdown("x", HEADER, _results(), notes="tiny")
    assert "`python -m experiments.run --dataset=x`" in markdown
    assert "tensorflow 2.19.0" in markdown
    assert "test machine" in markdown
    assert "| 0 | gbdt | 3 | 0.7100 ± 0.0100 |" in markdown


def test_write_report_writes_chart(tmp_path):
    paths = report.write_report(str(tmp_path), "x", HEADER, _results())
    assert set(paths) == {"markdown", "chart"}
    assert (tmp_path / "auc.png").stat().st_size > 1000


@pytest.mark.parametrize("name", ["python", "tensorflow", "keras"])
def test_package_versions_lists_stack(name):
    assert report.package_versions()[name]


def test_code_revision_names_a_commit():
    revision = report.code_revision()
    assert revision == "unknown" or len(revision.split()[0]) >= 7


def test_markdown_shows_revision():
    header = report.RunHeader("cmd", {}, "machine", "data", revision="abc1234")
    assert "- Code: git abc1234" in report.render_markdown("x", header, _results(), notes="")
