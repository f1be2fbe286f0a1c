import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import bench_ensemble  # noqa: E402


def _windows(concerning: list[float], trace: list[int]) -> dict[str, np.ndarray]:
    return {"trace": np.array(trace), "gate": np.full(len(trace), 0.9), "concerning": np.array(concerning),
            "gate_threshold": np.array(0.1), "labels": np.array([True, False])}


def test_the_ensemble_averages_window_logits_and_keeps_the_first_runs_gate():
    a, b = _windows([0.9, 0.2, 0.5], [0, 0, 1]), _windows([0.5, 0.8, 0.5], [0, 0, 1])
    b["gate"] = np.full(3, 0.2)
    both = bench_ensemble.ensemble([a, b])
    assert np.allclose(both["concerning"], 1 / (1 + np.exp(-(bench_ensemble.logit(a["concerning"])
                                                            + bench_ensemble.logit(b["concerning"])) / 2)))
    assert both["concerning"][0] == pytest.approx(0.75) and both["gate"] is a["gate"]
    assert np.allclose(bench_ensemble.ensemble([a, a])["concerning"], a["concerning"])


def test_runs_that_cut_an_author_into_other_windows_are_refused():
    with pytest.raises(SystemExit, match="different windows"):
        bench_ensemble.ensemble([_windows([0.9, 0.2, 0.5], [0, 0, 1]), _windows([0.9, 0.2, 0.5], [0, 1, 1])])


def test_figures_rank_the_concerning_trace_first():
    best, at_mean, _, _ = bench_ensemble.figures({"X": _windows([0.9, 0.2, 0.1], [0, 0, 1])})
    assert best == [1.0] and at_mean == 1.0
