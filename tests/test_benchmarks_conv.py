"""The conv benchmark's functions run on tiny shapes (timing itself is not tested)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _load():
    spec = importlib.util.spec_from_file_location("bench_conv", ROOT / "benchmarks" / "conv.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_conv_benchmark_runs_on_tiny_shapes():
    bench = _load()
    result = bench.run(shapes=((5, 2, 3), (4, 3, 2)), batch=2, repeats=2)
    assert len(result["rows"]) == 2
    assert result["conv_numpy_vs_tf_time_ratio"] > 0
    assert result["conv_naive_vs_numpy_time_ratio"] > 0
    assert all(r["rel_err"] <= 1e-5 for r in result["rows"])


def test_geometric_mean_and_best_time():
    bench = _load()
    assert bench.geometric_mean([2.0, 8.0]) == pytest.approx(4.0)
    assert bench.best_time(lambda: None, 3) >= 0
