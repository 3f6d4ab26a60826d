"""helpers.plot.correlation_diagram: the worked sum of one correlation output pixel."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from helpers import plot, vision  # noqa: E402

IMAGE = np.arange(30.0).reshape(5, 6) % 7
KERNEL = np.array([[1.0, 0, -1], [2, 0, -2], [1, 0, -1]])


def test_diagram_shows_the_correlation_value():
    fig = plot.correlation_diagram(IMAGE, KERNEL, 2, 3)
    try:
        assert len(fig.axes) == 3
        want = vision.correlate2d(IMAGE, KERNEL, mode="constant")[2, 3]
        sums = [t.get_text() for t in fig.texts]
        assert len(sums) == 1 and sums[0].endswith(f"= {want:g}")
        assert sums[0].count("·") == KERNEL.size  # one product per kernel weight
        shown = {t.get_text() for t in fig.axes[2].texts}
        assert f"{want:g}" in shown
        # only the pixels whose window lies inside: (5 - 2) x (6 - 2)
        assert len(fig.axes[2].texts) == 3 * 4
    finally:
        plt.close(fig)


def test_diagram_worked_sum_is_correlation_not_convolution():
    img = np.zeros((3, 3))
    img[0, 0] = 1.0  # top-left neighbour of the centre
    kern = np.arange(1.0, 10.0).reshape(3, 3)
    fig = plot.correlation_diagram(img, kern, 1, 1)
    try:
        # correlation picks w[-1, -1] = 1 (convolution would pick 9)
        assert fig.texts[0].get_text().endswith("= 1")
    finally:
        plt.close(fig)


@pytest.mark.parametrize(
    "args, message",
    [
        ((np.zeros((4, 4, 1)), KERNEL, 1, 1), "image must have 2 dimensions"),
        ((np.zeros((20, 20)), KERNEL, 1, 1), "small non-empty"),
        ((IMAGE, np.ones((2, 3)), 1, 1), "odd sides"),
        ((IMAGE, np.ones((7, 7)), 3, 3), "small non-empty"),
        ((np.zeros((3, 3)), np.ones((5, 5)), 1, 1), "must fit"),
        ((IMAGE, KERNEL, 0, 2), "row must be an integer in"),
        ((IMAGE, KERNEL, 2, 5), "col must be an integer in"),
        ((IMAGE, KERNEL, 2.0, 2), "row must be an integer"),
        ((np.full((4, 4), np.nan), KERNEL, 1, 1), "finite"),
    ],
)
def test_diagram_rejects_bad_input(args, message):
    with pytest.raises(ValueError, match=message):
        plot.correlation_diagram(*args)
