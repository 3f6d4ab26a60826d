"""Unit tests of the recurrent-network diagrams in helpers.plot."""

from __future__ import annotations

import matplotlib
import pytest

matplotlib.use("Agg")

from helpers import plot  # noqa: E402


@pytest.mark.parametrize("draw", [lambda: plot.draw_unrolled_rnn(4), plot.draw_lstm_cell,
                                  lambda: plot.draw_stacked_rnn(4),
                                  lambda: plot.draw_bptt(4), lambda: plot.draw_bptt(1),
                                  lambda: plot.draw_unrolled_rnn(12)])
def test_diagrams_fit_the_column(draw):
    fig = draw()
    assert fig.axes and fig.get_size_inches()[0] <= plot.MAX_WIDTH


def test_lstm_gate_labels_are_centred_under_their_boxes():
    fig = plot.draw_lstm_cell()
    ax = fig.axes[0]
    labels = {t.get_text(): t for t in ax.texts if t.get_text().endswith(
        ("forget", "input", "candidate", "output"))}
    assert len(labels) == 4
    xs = {name.split()[-1]: t.get_position()[0] for name, t in labels.items()}
    assert xs["forget"] < xs["input"] < xs["candidate"] < xs["output"]
    assert all(t.get_ha() == "center" for t in labels.values())
    boxes = sorted(p.get_x() + p.get_width() / 2 for p in ax.patches
                   if abs(p.get_y() + p.get_height() / 2 - 0.9) < 1e-6)
    assert sorted(xs.values()) == pytest.approx(boxes)


@pytest.mark.parametrize("draw", [plot.draw_unrolled_rnn, plot.draw_stacked_rnn,
                                  plot.draw_bptt])
def test_diagram_steps_must_be_positive(draw):
    with pytest.raises(ValueError, match="steps"):
        draw(0)
