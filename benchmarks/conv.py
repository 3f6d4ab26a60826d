"""Benchmark: our vectorised NumPy convolution against ``tf.nn.conv2d`` (and the naive loops).

Run as ``python benchmarks/conv.py`` (add ``--quick`` for a fast smoke run). On the forward
pass of the three convolutions of the article's CNN (batch 64; 28x28x1 -> 32,
13x13x32 -> 64, 5x5x64 -> 64; 3x3 kernels, valid padding, float32) it times

- ``helpers.nn.conv2d`` (im2col through stride tricks + one matrix product),
- eager ``tf.nn.conv2d`` (TensorFlow with the book's settings: ``helpers.repro.setup``),
- ``helpers.nn.conv2d_naive`` (Python loops; one run, it is slow),

each as the best of several repeats, checks that they agree, and prints

    conv_numpy_vs_tf_time_ratio: <geometric mean over the shapes of numpy time / TF time>
    conv_naive_vs_numpy_time_ratio: <geometric mean of naive time / numpy time>

Timings depend on the machine and its load; they are not tests (the unit test
``tests/test_benchmarks.py`` only checks that these functions run on tiny shapes).
"""

from __future__ import annotations

import argparse
import math
import timeit
from collections.abc import Callable

import numpy as np

#: (H = W, C_in, C_out) of the article's three convolutions, 3x3 kernels, valid padding.
ARTICLE_SHAPES: tuple[tuple[int, int, int], ...] = ((28, 1, 32), (13, 32, 64), (5, 64, 64))


def best_time(fn: Callable[[], object], repeats: int) -> float:
    """Seconds of the fastest of ``repeats`` calls of ``fn`` (after one warm-up call)."""
    fn()
    return min(timeit.repeat(fn, number=1, repeat=repeats))


def geometric_mean(values: list[float]) -> float:
    """Geometric mean of positive numbers."""
    return math.exp(sum(math.log(v) for v in values) / len(values))


def run(
    shapes: tuple[tuple[int, int, int], ...] = ARTICLE_SHAPES,
    batch: int = 64,
    repeats: int = 20,
    naive_repeats: int = 1,
    seed: int = 0,
) -> dict[str, object]:
    """Time the three implementations on each shape; return per-shape rows and the two ratios.

    Raises ``AssertionError`` if the implementations disagree (relative error > 1e-5).
    """
    import tensorflow as tf

    from helpers import nn

    rng = np.random.default_rng(seed)
    rows = []
    for h, cin, cout in shapes:
        x = rng.random((batch, h, h, cin), dtype=np.float32)
        w = (rng.standard_normal((3, 3, cin, cout)) / math.sqrt(9 * cin)).astype(np.float32)
        xt, wt = tf.constant(x), tf.constant(w)
        ours = nn.conv2d(x, w)
        ref = tf.nn.conv2d(xt, wt, strides=1, padding="VALID").numpy()
        naive = nn.conv2d_naive(x, w)
        scale = float(np.abs(ref).max())
        err = max(float(np.abs(ours - ref).max()), float(np.abs(naive - ref).max())) / scale
        assert err <= 1e-5, f"implementations disagree on {(h, cin, cout)}: rel. error {err:.3g}"
        t_np = best_time(lambda x=x, w=w: nn.conv2d(x, w), repeats)
        t_tf = best_time(
            lambda xt=xt, wt=wt: tf.nn.conv2d(xt, wt, strides=1, padding="VALID").numpy(), repeats
        )
        t_naive = best_time(lambda x=x, w=w: nn.conv2d_naive(x, w), naive_repeats)
        rows.append({"shape": (batch, h, h, cin, cout), "numpy": t_np, "tf": t_tf, "naive": t_naive, "rel_err": err})
    return {
        "rows": rows,
        "conv_numpy_vs_tf_time_ratio": geometric_mean([r["numpy"] / r["tf"] for r in rows]),
        "conv_naive_vs_numpy_time_ratio": geometric_mean([r["naive"] / r["numpy"] for r in rows]),
    }


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point: print one row per shape, then the two ratios."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="batch 4, 3 repeats (a smoke run)")
    args = parser.parse_args(argv)

    from helpers import repro

    repro.setup(seed=0)
    batch, repeats = (4, 3) if args.quick else (64, 20)
    result = run(batch=batch, repeats=repeats)
    print(f"{'N x H x W x Cin -> Cout':>26s} {'numpy ms':>9s} {'tf ms':>8s} {'naive ms':>10s} {'rel err':>9s}")
    for r in result["rows"]:
        n, h, w, cin, cout = r["shape"]
        label = f"{n} x {h} x {w} x {cin} -> {cout}"
        print(
            f"{label:>26s} {r['numpy'] * 1e3:9.2f} {r['tf'] * 1e3:8.2f} "
            f"{r['naive'] * 1e3:10.1f} {r['rel_err']:9.1e}"
        )
    print(f"conv_numpy_vs_tf_time_ratio: {result['conv_numpy_vs_tf_time_ratio']:.3f}")
    print(f"conv_naive_vs_numpy_time_ratio: {result['conv_naive_vs_numpy_time_ratio']:.0f}")


if __name__ == "__main__":
    main()
