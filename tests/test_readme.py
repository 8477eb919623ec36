"""The README's Python examples run as written (the dask-jobqueue recipe needs a cluster)."""
import re
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_python_examples_run():
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    code = "\n".join(b for b in blocks if "dask_jobqueue" not in b)
    assert "nq.GaussNet" in code
    exec(compile(code, str(README), "exec"), {})


def test_readme_quick_start_matches_ci():
    quick = re.search(r"## Quick start.*?```bash\n(.*?)```", README.read_text(), re.S).group(1)
    lines = [line for line in quick.splitlines() if line.strip()]
    assert len(lines) == 2 and lines[0].endswith("nnqft demo")
    ci = (README.parent / ".ci" / "run").read_text()
    assert lines[1] in ci
