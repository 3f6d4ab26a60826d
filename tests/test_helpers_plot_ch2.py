"""Unit tests of the Chapter 2 diagrams in helpers.plot (im2col, max-pool routing)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from helpers import plot  # noqa: E402


def _texts(ax) -> list[str]:
    return [t.get_text() for t in ax.texts]


def test_im2col_diagram_rows_are_the_windows():
    img = np.arange(16).reshape(4, 4)
    fig = plot.im2col_diagram(img, 2, stride=2)
    ax_img, ax_cols = fig.axes
    assert _texts(ax_img) == [str(v) for v in range(16)]
    # row-major windows: [0 1 4 5], [2 3 6 7], [8 9 12 13], [10 11 14 15]
    want = [0, 1, 4, 5, 2, 3, 6, 7, 8, 9, 12, 13, 10, 11, 14, 15]
    assert _texts(ax_cols) == [str(v) for v in want]
    assert len(ax_img.patches) == 4  # one outline per window
    assert "4×4" in ax_cols.get_title()
    plt.close(fig)


def test_im2col_diagram_overlapping_windows():
    fig = plot.im2col_diagram(np.arange(16.0).reshape(4, 4), 3)
    ax_img, ax_cols = fig.axes
    assert len(ax_cols.texts) == 4 * 9 and len(ax_img.patches) == 4
    assert _texts(ax_cols)[9:18] == ["1", "2", "3", "5", "6", "7", "9", "10", "11"]
    plt.close(fig)


@pytest.mark.parametrize(
    "args, message",
    [
        ((np.arange(4), 2), "must have 2 dimensions"),
        ((np.zeros((4, 4)), 5), "k must fit"),
        ((np.zeros((4, 4)), 0), "k must be a positive integer"),
        ((np.zeros((12, 12)), 2), "at most 16 windows"),
        ((np.zeros((13, 3)), 2), "small non-empty 2-D array"),
        ((np.array([["a", "b"], ["c", "d"]]), 1), "numeric dtype"),
    ],
)
def test_im2col_diagram_rejects_bad_input(args, message):
    with pytest.raises(ValueError, match=message):
        plot.im2col_diagram(*args)


def test_maxpool_routing_diagram_routes_to_the_max():
    x = np.array([[1, 3, 2, 0], [4, 2, 1, 1], [0, 1, 7, 2], [2, 2, 4, 8]])
    dy = np.array([[1, 2], [3, 4]])
    fig = plot.maxpool_routing_diagram(x, dy)
    ax_x, ax_dy, ax_dx = fig.axes
    assert _texts(ax_dy) == ["1", "2", "3", "4"]
    want = np.zeros((4, 4))
    want[1, 0], want[0, 2], want[3, 0], want[3, 3] = 1, 2, 3, 4
    assert _texts(ax_dx) == [f"{v:g}" for v in want.ravel()]
    assert len(fig.artists) == 4  # one arrow per window
    plt.close(fig)


@pytest.mark.parametrize(
    "args, message",
    [
        ((np.zeros((4, 4)), np.zeros((3, 2))), r"pooled shape \(2, 2\)"),
        ((np.zeros((4, 4)), np.zeros((1, 1)), 5), "size must fit"),
        ((np.zeros(4), np.zeros((2, 2))), "must have 2 dimensions"),
        ((np.full((4, 4), np.nan), np.zeros((2, 2))), "finite"),
    ],
)
def test_maxpool_routing_diagram_rejects_bad_input(args, message):
    with pytest.raises(ValueError, match=message):
        plot.maxpool_routing_diagram(*args)
