"""Small plotting utilities shared by the notebooks (matplotlib only)."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np

from helpers.validate import as_array, check_positive_int

#: Widest figure, in inches: at the 100 dpi of :func:`helpers.repro.setup` it fills the
#: book's 672-pixel column without being scaled down (so its fonts keep their size).
MAX_WIDTH = 6.7
#: The book's one colour map for signed maps (weights, gradients, attributions): red is
#: positive, blue negative, white zero; use it with limits symmetric about zero.
SIGNED_CMAP = "RdBu_r"


def image_grid(
    images: object,
    titles: Sequence[object] | None = None,
    ncols: int = 8,
    size: float = 1.2,
    cmap: str = "gray",
    **imshow_kwargs: object,
) -> plt.Figure:
    """Show ``images`` (N x H x W or N x H x W x 1/3) in a grid, one optional title each.

    ``size`` is the width of one image in inches, reduced so that the grid is at most
    :data:`MAX_WIDTH` wide; extra keyword arguments (``vmin``,
    ``vmax``, ...) go to :meth:`matplotlib.axes.Axes.imshow`. Returns the figure; the
    caller shows it (``plt.show()``).
    """
    imgs = as_array(images, "images", ndim=(3, 4))
    if imgs.ndim == 4:
        if imgs.shape[-1] not in (1, 3):
            raise ValueError(f"images must have 1 or 3 channels, got {imgs.shape[-1]}")
        if imgs.shape[-1] == 1:
            imgs = imgs[..., 0]
    n = imgs.shape[0]
    if n == 0:
        raise ValueError("images must hold at least one image, got 0")
    if titles is not None and len(titles) != n:
        raise ValueError(f"titles must have one entry per image ({n}), got {len(titles)}")
    ncols = min(check_positive_int(ncols, "ncols"), n)
    nrows = -(-n // ncols)
    size = min(float(size), MAX_WIDTH / ncols)
    lines = max((str(t).count("\n") + 1 for t in titles), default=0) if titles is not None else 0
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, (size + 0.18 * lines) * nrows))
    for i, ax in enumerate(np.atleast_1d(axes).ravel()):
        ax.axis("off")
        if i < n:
            ax.imshow(imgs[i], cmap=cmap, **imshow_kwargs)
            if titles is not None:
                ax.set_title(str(titles[i]), fontsize=8)
    fig.tight_layout()
    return fig


# --- Chapter 2 diagrams: im2col and max-pool gradient routing ----------------------------
def _grid(ax: plt.Axes, values: np.ndarray, colours: np.ndarray | None = None,
          fmt: str = "{:g}", fontsize: float = 9) -> None:
    """Draw ``values`` (2-D) as a table of boxed numbers; ``colours`` (H x W x 4) fills."""
    h, w = values.shape
    if colours is None:
        colours = np.ones((h, w, 4))
    ax.imshow(colours, interpolation="nearest", aspect="equal")
    for i in range(h):
        for j in range(w):
            ax.text(j, i, fmt.format(values[i, j]), ha="center", va="center",
                    fontsize=fontsize)
    ax.set_xticks(np.arange(-0.5, w), minor=True)
    ax.set_yticks(np.arange(-0.5, h), minor=True)
    ax.grid(which="minor", color="0.5", linewidth=0.6)
    ax.tick_params(which="both", length=0, labelbottom=False, labelleft=False)


def _small_2d(x: object, name: str, max_side: int = 12) -> np.ndarray:
    arr = as_array(x, name, ndim=2)
    if arr.size == 0 or max(arr.shape) > max_side:
        raise ValueError(
            f"{name} must be a small non-empty 2-D array (sides 1..{max_side}), "
            f"got shape {arr.shape}"
        )
    return arr.astype(np.float64)


def im2col_diagram(image: object, k: int, stride: int = 1,
                   fmt: str = "{:g}") -> plt.Figure:
    """Draw how im2col turns the k x k windows of a small ``image`` into matrix rows.

    Left: the image, each window outlined in its own colour; right: the im2col matrix,
    one row per window (in row-major window order), shaded in the window's colour. The
    rows are those of :func:`helpers.nn.im2col`. At most 16 windows, sides at most 12.
    Returns the figure; the caller shows it. Raises ``ValueError`` for bad input.
    """
    from helpers import nn

    img = _small_2d(image, "image")
    k = check_positive_int(k, "k")
    stride = check_positive_int(stride, "stride")
    if k > min(img.shape):
        raise ValueError(f"k must fit in the image {img.shape}, got {k}")
    cols = nn.im2col(img[None, :, :, None], k, k, stride=stride)
    ho = (img.shape[0] - k) // stride + 1
    wo = (img.shape[1] - k) // stride + 1
    if len(cols) > 16:
        raise ValueError(f"at most 16 windows can be drawn, got {len(cols)}")
    palette = plt.get_cmap("tab10" if len(cols) <= 10 else "tab20")
    fig, (ax_img, ax_cols) = plt.subplots(
        1, 2, figsize=(3.2 + 0.45 * k * k, 0.2 + 0.45 * max(img.shape[0], len(cols))),
        gridspec_kw={"width_ratios": [img.shape[1], k * k]})
    _grid(ax_img, img, fmt=fmt)
    shade = np.ones(cols.shape + (4,))
    for r in range(len(cols)):
        colour = palette(r % palette.N)
        i, j = divmod(r, wo)
        ax_img.add_patch(plt.Rectangle(
            (j * stride - 0.45 + 0.06 * (r % 3), i * stride - 0.45 + 0.06 * (r % 3)),
            k - 0.1 - 0.12 * (r % 3), k - 0.1 - 0.12 * (r % 3),
            fill=False, edgecolor=colour, linewidth=2))
        shade[r] = (*colour[:3], 0.35)
    _grid(ax_cols, cols, shade, fmt=fmt)
    ax_img.set_title(f"image {img.shape[0]}×{img.shape[1]}\n{ho * wo} windows "
                     f"{k}×{k}, stride {stride}", fontsize=9)
    ax_cols.set_title(f"im2col matrix {cols.shape[0]}×{cols.shape[1]}\n"
                      "one row per window", fontsize=9)
    fig.tight_layout()
    return fig


def maxpool_routing_diagram(x: object, dy: object, size: int = 2,
                            fmt: str = "{:g}") -> plt.Figure:
    """Draw the backward pass of max pooling (window = stride = ``size``).

    Three panels: the input ``x`` with each window's maximum highlighted; the output
    gradient ``dy`` (one value per window); and the input gradient, where each value of
    ``dy`` lands on its window's maximum and every other entry is 0 (arrows show the
    routing). Values from :func:`helpers.nn.max_pool2d_backward`. Returns the figure.
    Raises ``ValueError`` for bad input or a ``dy`` of the wrong shape.
    """
    from helpers import nn

    xs = _small_2d(x, "x")
    size = check_positive_int(size, "size")
    if size > min(xs.shape):
        raise ValueError(f"size must fit in x {xs.shape}, got {size}")
    ho, wo = xs.shape[0] // size, xs.shape[1] // size
    dys = _small_2d(dy, "dy")
    if dys.shape != (ho, wo):
        raise ValueError(f"dy must have the pooled shape {(ho, wo)}, got {dys.shape}")
    dx = nn.max_pool2d_backward(dys[None, :, :, None], xs[None, :, :, None], size)[0, :, :, 0]
    winner = np.zeros(xs.shape, bool)
    for i in range(ho):
        for j in range(wo):
            win = xs[i * size:(i + 1) * size, j * size:(j + 1) * size]
            u, v = np.unravel_index(np.argmax(win), win.shape)
            winner[i * size + u, j * size + v] = True
    palette = plt.get_cmap("tab10")
    colour = np.ones(xs.shape + (4,))
    colour_dy = np.ones(dys.shape + (4,))
    for i in range(ho):
        for j in range(wo):
            c = (*palette((i * wo + j) % 10)[:3], 0.35)
            colour_dy[i, j] = c
            block = (slice(i * size, (i + 1) * size), slice(j * size, (j + 1) * size))
            colour[block] = (*c[:3], 0.12)
            colour[block][winner[block]] = c
    fig, axes = plt.subplots(1, 3, figsize=(MAX_WIDTH, 2.6),
                             gridspec_kw={"width_ratios": [xs.shape[1], wo + 1, xs.shape[1]]})
    _grid(axes[0], xs, colour, fmt=fmt)
    _grid(axes[1], dys, colour_dy, fmt=fmt)
    dx_colour = np.where(winner[..., None], colour, np.array([1.0, 1.0, 1.0, 1.0]))
    _grid(axes[2], dx, dx_colour, fmt=fmt)
    for ax, title in zip(axes, ["input X\n(each window's max shaded)",
                                "output gradient dL/dY", "input gradient dL/dX\n"
                                "(routed to the max)"], strict=True):
        ax.set_title(title, fontsize=9)
    from matplotlib.patches import ConnectionPatch
    for i in range(ho):
        for j in range(wo):
            a, b = np.argwhere(winner[i * size:(i + 1) * size, j * size:(j + 1) * size])[0]
            fig.add_artist(ConnectionPatch(
                xyA=(j + 0.3, i), coordsA=axes[1].transData,
                xyB=(j * size + b - 0.3, i * size + a), coordsB=axes[2].transData,
                arrowstyle="->", color=palette((i * wo + j) % 10), linewidth=1.2))
    fig.tight_layout()
    return fig


# --- Chapter 1 diagram: one output pixel of a correlation -----------------------------------
def correlation_diagram(image: object, kernel: object, row: int, col: int,
                        fmt: str = "{:g}") -> plt.Figure:
    """Draw how one output pixel of the cross-correlation ``image ⋆ kernel`` is computed.

    Three panels: the image ``f`` with the kernel's window centred on ``(row, col)``
    outlined; the kernel ``w``, indexed from its centre (``u, v`` from ``-a`` to ``a``);
    and the output, where only the pixels whose window lies inside the image are shown
    and ``(row, col)`` is highlighted. Below, the worked sum
    ``(f ⋆ w)[row, col] = Σ w[u, v] f[row + u, col + v]``, term by term, equal to
    :func:`helpers.vision.correlate2d` at that pixel. Returns the figure.

    Raises ``ValueError`` for an image or kernel that is not a small 2-D array (sides at
    most 12), a kernel of even size or larger than the image, or a ``(row, col)`` whose
    window does not lie inside the image.
    """
    from helpers import vision

    img = _small_2d(image, "image")
    k = _small_2d(kernel, "kernel", max_side=5)
    if k.shape[0] % 2 == 0 or k.shape[1] % 2 == 0:
        raise ValueError(f"kernel must have odd sides, got shape {k.shape}")
    a, b = k.shape[0] // 2, k.shape[1] // 2
    if k.shape[0] > img.shape[0] or k.shape[1] > img.shape[1]:
        raise ValueError(f"kernel {k.shape} must fit in the image {img.shape}")
    for name, value, low, high in (("row", row, a, img.shape[0] - a - 1),
                                   ("col", col, b, img.shape[1] - b - 1)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not (
                low <= value <= high):
            raise ValueError(f"{name} must be an integer in [{low}, {high}] (the window "
                             f"must lie inside the image), got {value!r}")
    out = vision.correlate2d(img, k, mode="constant")
    valid = np.full(img.shape, np.nan)
    valid[a:img.shape[0] - a, b:img.shape[1] - b] = out[a:img.shape[0] - a,
                                                        b:img.shape[1] - b]
    patch = img[row - a:row + a + 1, col - b:col + b + 1]
    fig, axes = plt.subplots(1, 3, figsize=(MAX_WIDTH, 3.4), gridspec_kw={
        "width_ratios": [img.shape[1], k.shape[1] + 1, img.shape[1]]})
    hl = (1.0, 0.85, 0.3, 0.6)
    shade = np.ones(img.shape + (4,))
    shade[row - a:row + a + 1, col - b:col + b + 1] = hl
    _grid(axes[0], img, shade, fmt=fmt)
    axes[0].add_patch(plt.Rectangle((col - b - 0.5, row - a - 0.5), k.shape[1],
                                    k.shape[0], fill=False, edgecolor="red",
                                    linewidth=2))
    _grid(axes[1], k, np.full(k.shape + (4,), hl), fmt=fmt)
    axes[1].set_xticks(range(k.shape[1]), [str(v) for v in range(-b, b + 1)])
    axes[1].set_yticks(range(k.shape[0]), [str(u) for u in range(-a, a + 1)])
    axes[1].tick_params(which="major", labelbottom=True, labelleft=True, labelsize=8)
    axes[1].set_xlabel("v", fontsize=9)
    axes[1].set_ylabel("u", fontsize=9)
    out_shade = np.ones(img.shape + (4,))
    out_shade[np.isnan(valid)] = (0.85, 0.85, 0.85, 1.0)
    out_shade[row, col] = (1.0, 0.3, 0.3, 0.6)
    _grid(axes[2], np.nan_to_num(valid), out_shade, fmt=fmt)
    for t in list(axes[2].texts):
        i, j = int(round(t.get_position()[1])), int(round(t.get_position()[0]))
        if np.isnan(valid[i, j]):
            t.remove()
    axes[0].set_title(f"image f, window centred on [{row}, {col}]", fontsize=9)
    axes[1].set_title("kernel w[u, v]", fontsize=9)
    axes[2].set_title(r"output $f \star w$ (inside pixels)", fontsize=9)
    terms = [[f"({fmt.format(k[u, v])})·({fmt.format(patch[u, v])})"
              for v in range(k.shape[1])] for u in range(k.shape[0])]
    lines = [" + ".join(r) for r in terms]
    text = (f"(f $\\star$ w)[{row}, {col}] = Σ w[u, v] f[{row}+u, {col}+v]\n = "
            + "\n + ".join(lines) + f"\n = {fmt.format(out[row, col])}")
    fig.text(0.02, 0.02, text, fontsize=9, family="monospace", va="bottom")
    fig.tight_layout(rect=(0, 0.08 + 0.06 * k.shape[0], 1, 1))
    return fig


# --- diagrams of recurrent networks ------------------------------------------------

def _box(ax: plt.Axes, xy: tuple[float, float], w: float, h: float, text: str,
         color: str = "#dbe9f6", fontsize: float = 10) -> None:
    from matplotlib.patches import FancyBboxPatch

    ax.add_patch(FancyBboxPatch((xy[0] - w / 2, xy[1] - h / 2), w, h,
                                boxstyle="round,pad=0.02", fc=color, ec="black"))
    ax.text(xy[0], xy[1], text, ha="center", va="center", fontsize=fontsize)


def _arrow(ax: plt.Axes, start: tuple[float, float], end: tuple[float, float],
           text: str | None = None, color: str = "black") -> None:
    ax.annotate("", xy=end, xytext=start,
                arrowprops={"arrowstyle": "->", "color": color, "lw": 1.3})
    if text:
        ax.text((start[0] + end[0]) / 2 + 0.05, (start[1] + end[1]) / 2 + 0.08, text,
                fontsize=9, color=color)


def draw_unrolled_rnn(steps: int = 4) -> plt.Figure:
    """Draw a simple RNN folded (left) and unrolled over ``steps`` time steps (right).

    The same weights :math:`W_{xh}, W_{hh}, W_{hy}` appear at every step. The figure is
    at most :data:`MAX_WIDTH` inches wide. Returns the figure. Raises ``ValueError``
    unless ``steps`` is a positive int.
    """
    steps = check_positive_int(steps, "steps")
    span = 1.6 * steps + 2.6
    width = min(MAX_WIDTH, 0.75 * span)
    fig, ax = plt.subplots(figsize=(width, width * 3.5 / span + 0.3))
    ax.set_xlim(-0.9, 1.6 * steps + 1.7)
    ax.set_ylim(-0.5, 3.0)
    ax.axis("off")
    _box(ax, (0, 1.25), 0.7, 0.5, "$h$")
    _arrow(ax, (0, 0.1), (0, 0.98), "$W_{xh}$")
    _arrow(ax, (0, 1.52), (0, 2.35), "$W_{hy}$")
    ax.text(0, -0.1, "$x_t$", ha="center", va="top")
    ax.text(0, 2.45, "$y_t$", ha="center", va="bottom")
    ax.annotate("", xy=(0.36, 1.35), xytext=(0.36, 1.15),
                arrowprops={"arrowstyle": "->", "connectionstyle": "arc3,rad=-2.5",
                            "lw": 1.3})
    ax.text(0.45, 1.62, "$W_{hh}$", fontsize=9, va="bottom")
    ax.text(1.2, 1.25, "=", fontsize=16, ha="center", va="center")
    for t in range(steps):
        cx = 2.3 + 1.6 * t
        _box(ax, (cx, 1.25), 0.7, 0.5, f"$h_{t + 1}$")
        _arrow(ax, (cx, 0.1), (cx, 0.98), "$W_{xh}$")
        _arrow(ax, (cx, 1.52), (cx, 2.35), "$W_{hy}$")
        ax.text(cx, -0.1, f"$x_{t + 1}$", ha="center", va="top")
        ax.text(cx, 2.45, f"$y_{t + 1}$", ha="center", va="bottom")
        if t:
            _arrow(ax, (cx - 1.25, 1.25), (cx - 0.37, 1.25), "$W_{hh}$")
        else:
            _arrow(ax, (1.65, 1.25), (cx - 0.37, 1.25))
            ax.text(1.6, 1.25, "$h_0$", ha="right", va="center", fontsize=9)
    fig.tight_layout()
    return fig


def draw_lstm_cell() -> plt.Figure:
    """Draw one LSTM cell: the gates i, f, o, the candidate g and the additive cell path
    :math:`c_t = f \\odot c_{t-1} + i \\odot g`. Each block's label sits centred under
    it. Returns the figure (:data:`MAX_WIDTH` inches wide)."""
    fig, ax = plt.subplots(figsize=(MAX_WIDTH, 2.9))
    ax.set_xlim(-1.2, 7.7)
    ax.set_ylim(-0.25, 3.1)
    ax.axis("off")
    red = "#c0392b"
    # the cell path along the top
    ax.text(-0.5, 2.8, "$c_{t-1}$", va="center", ha="right", color=red)
    _arrow(ax, (-0.45, 2.8), (1.75, 2.8), color=red)
    _box(ax, (2.0, 2.8), 0.45, 0.4, "×", "#f6d5d1")
    _arrow(ax, (2.25, 2.8), (3.75, 2.8), color=red)
    _box(ax, (4.0, 2.8), 0.45, 0.4, "+", "#f6d5d1")
    _arrow(ax, (4.25, 2.8), (7.2, 2.8), color=red)
    ax.text(7.25, 2.8, "$c_t$", va="center", color=red)
    # the gates, all reading [h_{t-1}, x_t]; each label centred under its box
    gates = [(2.0, "σ", "$f$ forget"), (3.2, "σ", "$i$ input"),
             (4.4, "tanh", "$g$ candidate"), (5.6, "σ", "$o$ output")]
    ax.plot([0.3, 5.6], [0.3, 0.3], color="black", lw=1.3)
    ax.text(0.2, 0.3, "$h_{t-1}, x_t$", ha="right", va="center")
    for gx, act, name in gates:
        _box(ax, (gx, 0.9), 0.75, 0.42, act, "#fdebd0")
        _arrow(ax, (gx, 0.3), (gx, 0.67))
        ax.text(gx, 0.12, name, fontsize=9, ha="center", va="top")
    _arrow(ax, (2.0, 1.12), (2.0, 2.58))
    _box(ax, (3.8, 1.9), 0.45, 0.4, "×", "#f6d5d1")
    _arrow(ax, (3.2, 1.12), (3.62, 1.75))
    _arrow(ax, (4.4, 1.12), (3.98, 1.75))
    _arrow(ax, (3.85, 2.1), (4.0, 2.58))
    # output: h_t = o * tanh(c_t)
    _box(ax, (6.5, 2.1), 0.6, 0.36, "tanh", "#fdebd0", 9)
    _arrow(ax, (6.5, 2.8), (6.5, 2.3))
    _box(ax, (6.5, 1.3), 0.45, 0.4, "×", "#f6d5d1")
    _arrow(ax, (6.5, 1.92), (6.5, 1.5))
    _arrow(ax, (5.6, 1.12), (6.28, 1.25))
    _arrow(ax, (6.72, 1.3), (7.2, 1.3))
    ax.text(7.25, 1.3, "$h_t$", va="center")
    fig.tight_layout()
    return fig


def draw_stacked_rnn(steps: int = 4) -> plt.Figure:
    """Draw two stacked recurrent layers unrolled over ``steps`` steps: the first
    returns its state at every step (``return_sequences=True``), which is the second
    layer's input sequence; the second returns only its last state, read by a dense
    layer. Returns the figure. Raises ``ValueError`` unless ``steps`` is a positive int.
    """
    steps = check_positive_int(steps, "steps")
    span = 1.6 * steps + 2.4
    width = min(MAX_WIDTH, 0.8 * span)
    fig, ax = plt.subplots(figsize=(width, 3.0))
    last = 1.6 * (steps - 1)
    ax.set_xlim(-1.4, last + 2.2)
    ax.set_ylim(-0.6, 4.3)
    ax.axis("off")
    for t in range(steps):
        cx = 1.6 * t
        name = "T" if t == steps - 1 and steps > 2 else str(t + 1)
        ax.text(cx, -0.1, f"$x_{{{name}}}$", ha="center", va="top")
        _arrow(ax, (cx, 0.0), (cx, 0.73))
        _box(ax, (cx, 1.0), 0.8, 0.5, f"$h^{{(1)}}_{{{name}}}$")
        _arrow(ax, (cx, 1.27), (cx, 2.13))
        _box(ax, (cx, 2.4), 0.8, 0.5, f"$h^{{(2)}}_{{{name}}}$", "#e8f4e0")
        if t:
            _arrow(ax, (cx - 1.18, 1.0), (cx - 0.42, 1.0))
            _arrow(ax, (cx - 1.18, 2.4), (cx - 0.42, 2.4))
        if name == "T" and steps > 2:  # the steps left out
            for y in (1.12, 2.52):
                ax.text(cx - 0.8, y, "…", ha="center", va="bottom")
    _arrow(ax, (last, 2.67), (last, 3.45))
    _box(ax, (last, 3.7), 1.0, 0.4, "Dense", "#fdebd0", 9)
    ax.text(-0.6, 1.0, "layer 1\nall T states", ha="right", va="center", fontsize=9)
    ax.text(-0.6, 2.4, "layer 2\nlast state", ha="right", va="center", fontsize=9)
    fig.tight_layout()
    return fig


def draw_bptt(steps: int = 4) -> plt.Figure:
    """Draw backpropagation through time on an RNN unrolled over ``steps`` steps: the
    forward pass left to right (black), the gradient flowing back from the loss on the
    last state (red), :math:`\\delta_t = g_t + W_{hh}^\\top(\\ldots\\delta_{t+1})`.
    Returns the figure (at most
    :data:`MAX_WIDTH` inches wide). Raises ``ValueError`` unless ``steps`` is a positive
    int.
    """
    steps = check_positive_int(steps, "steps")
    span = 1.8 * steps + 1.6
    width = min(MAX_WIDTH, 0.8 * span)
    fig, ax = plt.subplots(figsize=(width, 2.9))
    ax.set_xlim(-1.0, 1.8 * (steps - 1) + 1.6)
    ax.set_ylim(-0.6, 3.1)
    ax.axis("off")
    red = "#c0392b"
    last = 1.8 * (steps - 1)
    for t in range(steps):
        cx = 1.8 * t
        name = "T" if t == steps - 1 and steps > 2 else str(t + 1)
        _box(ax, (cx, 1.3), 0.7, 0.5, f"$h_{{{name}}}$")
        ax.text(cx, -0.1, f"$x_{{{name}}}$", ha="center", va="top")
        _arrow(ax, (cx, 0.0), (cx, 1.03))
        start = (cx - 1.43, 1.42) if t else (-0.75, 1.42)
        _arrow(ax, start, (cx - 0.37, 1.42))
        if t:
            _arrow(ax, (cx - 0.37, 1.15), (cx - 1.43, 1.15), color=red)
            ax.text(cx - 0.9, 0.88, f"$\\delta_{{{name}}}$", color=red,
                    ha="center", fontsize=9)
        if name == "T":  # the steps left out between h_{T-1} and h_T
            ax.text(cx - 0.9, 1.5, "…", ha="center", va="bottom")
    ax.text(-0.8, 1.55, "$h_0$", ha="right", fontsize=9)
    _box(ax, (last, 2.75), 0.7, 0.4, "$L$", "#f6d5d1")
    _arrow(ax, (last, 1.57), (last, 2.53))
    _arrow(ax, (last + 0.2, 2.53), (last + 0.2, 1.57), color=red)
    ax.text(last + 0.3, 2.1, "$g_T$", color=red, fontsize=9)
    fig.tight_layout()
    return fig
