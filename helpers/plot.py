"""Small plotting utilities shared by the notebooks (matplotlib only)."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np

from helpers.validate import as_array, check_positive_int


def image_grid(
    images: object,
    titles: Sequence[object] | None = None,
    ncols: int = 8,
    size: float = 1.2,
    cmap: str = "gray",
    **imshow_kwargs: object,
) -> plt.Figure:
    """Show ``images`` (N x H x W or N x H x W x 1/3) in a grid, one optional title each.

    ``size`` is the width of one image in inches; extra keyword arguments (``vmin``,
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
