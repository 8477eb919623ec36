"""The HMS settings table (numeric.paper_settings) and every place that uses it."""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from nnqft_cli.main import cli
from numeric import (HMS_POINTS, HMS_SETTINGS, PaperSetting, demo, hms_experiment, hms_setting,
                     settings_markdown_table)

ROOT = Path(__file__).resolve().parents[1]
LINE = [-1.0, -0.6, -0.2, 0.2, 0.6, 1.0]
CORNERS = [(-1, -1, -1), (1, 1, -1), (-1, 1, 1), (1, -1, 1)]
SQUARE = [(-1, -1), (-1, 1), (1, -1), (1, 1)]

#: (arch, d_in) -> (sigma_b, points), written out independently of the module
EXPECTED = {
    ("gauss", 1): (1.0, [[0.01 * v] for v in LINE]),
    ("gauss", 2): (1.0, [[0.01 * a, 0.01 * b] for a, b in SQUARE]),
    ("gauss", 3): (1.0, [[0.01 * c for c in row] for row in CORNERS]),
    ("relu", 1): (0.0, [[0.2], [0.4], [0.6], [0.8], [1.0], [1.2]]),
    ("relu", 2): (0.0, [[0.5, 0.5], [0.5, 1.0], [1.0, 0.5], [1.0, 1.0]]),
    ("relu", 3): (0.0, [[0.2 if c < 0 else 1.0 for c in row] for row in CORNERS]),
    ("erf", 1): (1.0, [[v] for v in LINE]),
    ("erf", 2): (1.0, [list(map(float, row)) for row in SQUARE]),
    ("erf", 3): (1.0, [list(map(float, row)) for row in CORNERS]),
}


def test_table_holds_the_hms_settings():
    assert {(s.arch, s.d_in) for s in HMS_SETTINGS} == set(EXPECTED)
    assert len(HMS_SETTINGS) == len(EXPECTED)
    for (arch, d_in), (sigma_b, points) in EXPECTED.items():
        s = hms_setting(arch, d_in)
        assert isinstance(s, PaperSetting) and s.arch == arch and s.d_in == d_in
        assert s.sigma_w == 1.0 and s.sigma_b == sigma_b
        assert np.allclose(s.points, points, rtol=0, atol=1e-15)
        assert np.asarray(s.points).shape == (len(points), d_in)
        assert "arXiv:2008.08601" in s.source
    for s in HMS_SETTINGS:
        if s.d_in == 3:      # a regular tetrahedron of cube corners: coordinates multiply to -1
            signs = np.sign(np.asarray(s.points) - np.mean(np.unique(s.points)))
            assert np.all(np.prod(signs, axis=1) == -1)


def test_analogues_are_labelled_as_such():
    for key in [("relu", 3), ("erf", 2), ("erf", 3)]:
        assert "nnqft" in hms_setting(*key).source
    for key in [("gauss", 1), ("relu", 1), ("erf", 1)]:
        assert "nnqft" not in hms_setting(*key).source


def test_setting_is_frozen_and_builds_its_network():
    s = hms_setting("relu", 2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.sigma_b = 1.0
    net = s.network(depth=2)
    assert (float(net.sigma_w), float(net.sigma_b), net.d_in, net.depth) == (1.0, 0.0, 2, 2)
    assert s.as_dict()["label"] == "HMS relu d_in=2"
    with pytest.raises(ValueError, match="scalar_points needs d_in = 1"):
        _ = s.scalar_points


def test_hms_points_come_from_the_table():
    assert HMS_POINTS == hms_setting("gauss", 1).scalar_points
    assert np.allclose(HMS_POINTS, [-0.01, -0.006, -0.002, 0.002, 0.006, 0.01], rtol=0, atol=1e-15)


def test_docs_table_is_the_generated_one():
    text = (ROOT / "docs" / "numeric.md").read_text()
    assert settings_markdown_table() in text


def test_notebook_sources_take_points_from_the_table():
    """No notebook source types in the HMS input sets (they use numeric.hms_setting)."""
    for path in sorted((ROOT / "notebooks" / "src").glob("*.py")):
        text = path.read_text()
        for literal in ("[-0.01, -0.006, -0.002, 0.002, 0.006, 0.01]",
                        "np.array([-0.01, -0.006, -0.002, 0.002, 0.006, 0.01])",
                        "[0.2, 0.4, 0.6, 0.8, 1.0, 1.2]"):
            assert literal not in text, f"{path.name} hard-codes {literal}"


def _run_cli(out: Path, *args: str):
    result = CliRunner().invoke(cli, ["experiment", "hms", *args, "--widths", "3",
                                      "--orders", "2", "--n-bags", "2", "--n-nets", "20",
                                      "--no-progress", "--out", str(out)])
    assert result.exit_code == 0, result.output
    meta = json.loads((out / "metadata.json").read_text())["parameters"]
    return meta, (out / "report.md").read_text()


@pytest.mark.parametrize("arch,d_in", sorted(EXPECTED))
def test_cli_defaults_per_arch_and_dimension(arch, d_in, tmp_path):
    args = ["--arch", arch] + ([] if d_in == 1 else ["--d-in", str(d_in)])
    meta, report = _run_cli(tmp_path / "hms", *args)
    sigma_b, points = EXPECTED[(arch, d_in)]
    assert meta["d_in"] == d_in and meta["sigma_w"] == 1.0 and meta["sigma_b"] == sigma_b
    flat = [p[0] for p in points] if d_in == 1 else points
    assert np.allclose(meta["points"], flat, rtol=0, atol=1e-15)
    assert meta["setting"]["label"] == f"HMS {arch} d_in={d_in}"
    assert meta["setting_overrides"] == []
    assert f"**Setting:** HMS {arch} d_in={d_in}" in report
    assert f"sigma_b = {sigma_b:g}" in report


def test_cli_overrides_are_reported(tmp_path):
    meta, report = _run_cli(tmp_path / "hms", "--arch", "relu", "--sigma-b", "0.5",
                            "--points", "0.2,0.4,0.6,0.8,1,1.2")
    assert meta["sigma_b"] == 0.5 and meta["setting_overrides"] == ["sigma_b"]
    assert "Given instead of the setting's: sigma_b." in report
    meta, _ = _run_cli(tmp_path / "hms2", "--arch", "gauss", "--d-in", "2",
                       "--points", "0.01,0;0,0.01")
    assert meta["points"] == [[0.01, 0.0], [0.0, 0.01]] and meta["setting_overrides"] == ["points"]


def test_custom_dimension_with_every_value_given(tmp_path):
    study = hms_experiment(tmp_path, "gauss", [3], [[0.01] * 4, [-0.01] * 4], (2,), 2, 20,
                           sigma_w=1.0, sigma_b=1.0, d_in=4, progress=False)
    meta = json.loads((tmp_path / "metadata.json").read_text())["parameters"]
    assert meta["setting"] is None and study.measurement.points.shape == (2, 4)
    assert "**Setting:** custom" in (tmp_path / "report.md").read_text()


def test_demo_uses_the_settings(tmp_path):
    demo(tmp_path, quick=True, progress=False)
    meta = json.loads((tmp_path / "metadata.json").read_text())["parameters"]
    assert meta["settings"]["relu"]["sigma_b"] == 0.0
    assert meta["settings"]["gauss"]["points"] == [[p] for p in HMS_POINTS]
    studies = json.loads((tmp_path / "metadata.json").read_text())["studies"]
    assert studies["relu"]["points"] == [[0.2], [0.4], [0.6], [0.8], [1.0], [1.2]]
    assert "0.0" in studies["relu"]["architecture"]["sigma_b"]       # srepr of Float(0.0)
    report = (tmp_path / "report.md").read_text()
    assert "**Setting:** HMS relu d_in=1" in report and "**Setting:** HMS gauss d_in=1" in report
