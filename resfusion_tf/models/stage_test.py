import io
import sys
import types

from resfusion_tf.models.stage import progress_verbosity


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_bar_only_on_terminal(monkeypatch):
    monkeypatch.delitem(sys.modules, "ipykernel", raising=False)
    monkeypatch.setattr("sys.stdout", _Terminal())
    on_terminal = progress_verbosity()
    monkeypatch.setattr("sys.stdout", io.StringIO())
    redirected = progress_verbosity()

    assert on_terminal == 1
    assert redirected == 2


def test_progress_bar_in_notebook(monkeypatch):
    monkeypatch.setitem(sys.modules, "ipykernel", types.ModuleType("ipykernel"))
    monkeypatch.setattr("sys.stdout", io.StringIO())

    assert progress_verbosity() == 1
