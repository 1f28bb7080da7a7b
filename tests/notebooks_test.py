"""Runs every notebook in notebooks/ top to bottom with tiny parameters on the CPU.

Each notebook has a code cell tagged "parameters". As papermill does, the test inserts
a cell after it that overrides those values, then executes the notebook with nbclient
in a temporary directory, so a changed public API fails here.
"""

import os

import nbformat
import pytest
from nbclient import NotebookClient

from tests.conftest import REPO_ROOT

NOTEBOOK_DIR = os.path.join(REPO_ROOT, "notebooks")

# Tiny settings per notebook: enough rows for every split to hold both labels.
TINY_PARAMETERS = {
    "quickstart.ipynb": {"SYNTHETIC_ROWS": 1500, "GBDT_NUM_TREES": 5, "EPOCHS": 1,
                         "CROSS_FIT_FOLDS": 0},
    "serving.ipynb": {"SYNTHETIC_ROWS": 1500, "GBDT_NUM_TREES": 5, "EPOCHS": 1},
    "reproduce_paper.ipynb": {"DATASET": "synthetic", "MODELS": "LR,GBDT", "SEEDS": 1,
                              "K_ITERATIONS": "0", "REPO_DIR": REPO_ROOT},
}


def notebook_names():
    return sorted(name for name in os.listdir(NOTEBOOK_DIR) if name.endswith(".ipynb"))


def inject_parameters(notebook, values: dict) -> None:
    """Inserts a cell that sets `values` right after the cell tagged "parameters"."""
    for index, cell in enumerate(notebook.cells):
        if "parameters" in cell.metadata.get("tags", []):
            source = "\n".join(f"{name} = {value!r}" for name, value in values.items())
            source += "\nINSTALL = False"
            notebook.cells.insert(index + 1, nbformat.v4.new_code_cell(source))
            return
    raise AssertionError("The notebook has no code cell tagged 'parameters'.")


def test_every_notebook_has_tiny_parameters():
    assert set(notebook_names()) <= set(TINY_PARAMETERS)
    assert "quickstart.ipynb" in notebook_names()


@pytest.mark.parametrize("name", notebook_names())
def test_notebook_runs_top_to_bottom(name, tmp_path, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        filter(None, [REPO_ROOT, os.environ.get("PYTHONPATH")])))
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    notebook = nbformat.read(os.path.join(NOTEBOOK_DIR, name), as_version=4)
    inject_parameters(notebook, TINY_PARAMETERS.get(name, {}))

    # Raises CellExecutionError, with the cell and its traceback, on any cell error.
    NotebookClient(notebook, timeout=900, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()

    outputs = [output for cell in notebook.cells if cell.cell_type == "code"
               for output in cell.get("outputs", [])]
    assert outputs, f"{name} produced no output."
    assert not [o for o in outputs if o.get("output_type") == "error"]
