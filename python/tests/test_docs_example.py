"""The worked example in docs/python.md runs as written."""
import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "python.md"


def test_worked_example_runs(tmp_path, monkeypatch):
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.S)
    assert blocks, "docs/python.md lost its worked example"
    monkeypatch.chdir(tmp_path)
    scope = {}
    exec(compile(blocks[0], str(DOC), "exec"), scope)
    report = scope["report"]
    assert set(report.robust_accuracy) == {0.05, 0.1}
    assert report.robust_accuracy[0.1] <= report.robust_accuracy[0.05] < report.clean_accuracy
    page = (tmp_path / "report.html").read_text()
    assert page.lstrip().lower().startswith("<!doctype html") and "robust" in page
    assert (tmp_path / "results" / "eval" / "report.json").is_file()
