"""notebooks/06_deep_and_multi_output.ipynb runs top to bottom and shows its checks."""
import re

from tests.notebook_runner import run_notebook


def test_notebook_06_runs():
    nb = run_notebook("06_deep_and_multi_output.ipynb")
    text = "".join(out.get("text", "") for cell in nb.cells if cell.cell_type == "code"
                   for out in cell.get("outputs", []))
    assert "angle map agrees: True" in text
    assert "L = 1 identity: True" in text
    assert "sum equals single output: True" in text
    assert "exact tensor invariant: True" in text
    ratios = [float(r) for r in re.findall(r"N kappa_4 / \(3 K\^2\) = (\S+)", text)]
    assert len(ratios) == 4 and all(b > a for a, b in zip(ratios, ratios[1:]))   # grows with depth
    assert float(re.search(r"max z-score over 16 components = (\S+)", text).group(1)) < 4.0
    assert "a agrees with the leading order: True" in text
    assert "tanh a agrees with the leading order: True" in text
    assert text.count("b agrees: True") == 2
