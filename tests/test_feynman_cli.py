"""``nnqft diagrams``: the table printed by the command line."""
from __future__ import annotations

import re

from click.testing import CliRunner

from nnqft_cli.main import cli


def run(*args: str):
    return CliRunner().invoke(cli, ["diagrams", *args])


def test_one_loop_fish_table_in_latex():
    result = run("--legs", "4", "--vertices", "4:2", "--connected", "--one-pi", "--latex")
    assert result.exit_code == 0, result.output
    rows = [line for line in result.output.splitlines() if line[:1].isdigit()]
    assert len(rows) == 3                                    # s, t, u channels
    cells = [row.split(" & ") for row in rows]
    assert [c[:1] + c[2:4] for c in cells] == [[str(i), "2", "1"] for i in (1, 2, 3)]
    assert all(c[1].startswith(r"\texttt{x1-y1") and r"y1-y2\^{}2}" in c[1] for c in cells)
    assert r"\frac{g_{4}^{2}}{2}" in rows[0]
    assert result.output.rstrip().endswith("% 3 diagram(s)")


def test_plain_table_by_loops_with_u_couplings():
    result = run("--legs", "2", "--loops", "2", "--couplings", "u")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["#", "lines", "S", "loops", "expression"]
    assert [re.search(r"\s(\d+)\s+2\s+u4", line).group(1) for line in lines[1:-1]] == \
        ["4", "6", "4"]
    assert "y1-y2^3" in lines[2]
    assert all("u4**2" in line for line in lines[1:-1])
    assert lines[-1] == "3 diagram(s)"


def test_vacuum_count_and_momentum_form():
    result = run("--legs", "0", "--vertices", "4:3", "--all")
    assert result.exit_code == 0 and result.output.splitlines()[-1] == "7 diagram(s)"
    result = run("--legs", "2", "--vertices", "4:1", "--momentum")
    assert result.exit_code == 0 and "Integral(K(k_1)" in result.output


def test_bad_options_give_usage_errors():
    for args in (["--vertices", "4:x"], ["--vertices", "4:1", "--loops", "1"], [],
                 ["--loops", "1", "--valences", "2"], ["--legs", "0", "--vertices", "4:1",
                                                       "--momentum"]):
        result = run(*args)
        assert result.exit_code == 2, (args, result.output)
        assert "Error" in result.output
