"""Histogram of oriented gradients (HOG) from scratch, equal to :func:`skimage.feature.hog`.

Dalal and Triggs's descriptor in the variant scikit-image implements (grey-scale images):

1. gradients by central differences ``f[i+1] - f[i-1]``, set to zero on the outermost
   rows/columns;
2. unsigned orientation ``atan2(g_row, g_col)`` in degrees, modulo 180, hard-assigned to
   one of ``orientations`` equal bins (no interpolation between bins or cells); each pixel
   votes its gradient magnitude, and a cell histogram is the *mean* vote over its pixels;
3. blocks of ``cells_per_block`` cells, moved one cell at a time, each normalised (L2-Hys:
   L2 normalise, clip at 0.2, L2 normalise again, with ``eps = 1e-5``);
4. the blocks flattened in the order (block row, block column, cell row, cell column, bin).

:func:`hog` handles one image; :func:`hog_batch` computes the same features for a whole
batch of equally sized images with array operations only.

For sliding-window detection (Chapter 2), :func:`hog_blocks` returns one image's block map
(scikit-image's ``feature_vector=False``; about 6x faster than scikit-image on a 168 x 168
image), :func:`window_features` cuts windows' feature vectors out of it, and
:func:`window_scores` scores every window with linear weights as a correlation of the
block map with the weight template, without building the window features (about 20x
faster than building them, for 1 225 windows of 7 x 7 blocks).
"""

from __future__ import annotations

import numpy as np

from helpers.validate import as_array, check_positive_int

EPS = 1e-5
NORMS = ("L1", "L1-sqrt", "L2", "L2-Hys")


def _pair(value: object, name: str) -> tuple[int, int]:
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise ValueError(f"{name} must be a pair of positive integers, got {value!r}")
    return check_positive_int(value[0], name), check_positive_int(value[1], name)


def _check(
    shape: tuple[int, ...], orientations: int, pixels_per_cell: object, cells_per_block: object,
    block_norm: str,
) -> tuple[int, tuple[int, int], tuple[int, int]]:
    n_or = check_positive_int(orientations, "orientations")
    ppc = _pair(pixels_per_cell, "pixels_per_cell")
    cpb = _pair(cells_per_block, "cells_per_block")
    if block_norm not in NORMS:
        raise ValueError(f"block_norm must be one of {NORMS}, got {block_norm!r}")
    need = (ppc[0] * cpb[0], ppc[1] * cpb[1])
    if shape[-2] < need[0] or shape[-1] < need[1]:
        raise ValueError(
            f"image of shape {shape[-2:]} is too small for one block: it needs at least "
            f"{need[0]} rows and {need[1]} columns"
        )
    return n_or, ppc, cpb


def hog_length(
    image_shape: tuple[int, int],
    orientations: int = 9,
    pixels_per_cell: tuple[int, int] = (8, 8),
    cells_per_block: tuple[int, int] = (3, 3),
) -> int:
    """Length of the HOG feature vector, by formula.

    With ``n_c = H // p`` cells per column (likewise across) and ``n_b = n_c - b + 1``
    blocks, the length is ``n_b_rows * n_b_cols * b_rows * b_cols * orientations``.
    """
    h, w = _pair(tuple(image_shape), "image_shape")
    n_or, (pr, pc), (br, bc) = _check((h, w), orientations, pixels_per_cell, cells_per_block, "L2-Hys")
    return (h // pr - br + 1) * (w // pc - bc + 1) * br * bc * n_or


def central_gradients(images: object) -> tuple[np.ndarray, np.ndarray]:
    """``(g_row, g_col)``: ``f[i+1] - f[i-1]`` along the last two axes, zero on the border.

    In the book's notation these are ``(g_y, g_x)``: ``g_y`` down the rows, ``g_x`` across
    the columns, in the order of the array axes.

    ``images`` is one image (H x W) or a stack (... x H x W) of any real dtype; the
    differences are taken in float64, so that integer images do not wrap around
    (in ``uint8``, ``10 - 200`` would be ``66``). Returns two float64 arrays of the
    input's shape.

    Raises ``ValueError`` for fewer than 2 dimensions, a non-numeric dtype or
    non-finite values.
    """
    arr = as_array(images, "images", finite=True)
    if arr.ndim < 2:
        raise ValueError(
            f"images must have at least 2 dimensions (H x W), got {arr.ndim} "
            f"(shape {arr.shape})"
        )
    f = arr.astype(np.float64)
    g_row = np.zeros_like(f)
    g_col = np.zeros_like(f)
    g_row[..., 1:-1, :] = f[..., 2:, :] - f[..., :-2, :]
    g_col[..., :, 1:-1] = f[..., :, 2:] - f[..., :, :-2]
    return g_row, g_col


def orientation_bins(g_row: np.ndarray, g_col: np.ndarray, orientations: int) -> np.ndarray:
    """Bin index of each pixel's unsigned orientation, ``-1`` where it falls in no bin.

    Orientation ``theta = degrees(atan2(g_row, g_col)) mod 180`` lies in ``[0, 180]``;
    bin ``k`` holds ``[k w, (k+1) w)`` with ``w = 180 / orientations``. The bin edges are
    rounded to float32 exactly as in scikit-image's Cython code, and a ``theta`` that
    rounds to 180.0 falls in no bin there either.
    """
    theta = np.rad2deg(np.arctan2(g_row, g_col)) % 180
    edges = (np.float32(180.0 / orientations) * np.arange(orientations + 1, dtype=np.float32))
    idx = np.searchsorted(edges.astype(np.float64), theta, side="right") - 1
    idx[idx >= orientations] = -1
    return idx


def _cell_histograms(
    images: np.ndarray, n_or: int, ppc: tuple[int, int]
) -> np.ndarray:
    """Cell histograms of a batch N x H x W (float64): N x cells_r x cells_c x n_or."""
    n, h, w = images.shape
    pr, pc = ppc
    ncr, ncc = h // pr, w // pc
    g_row, g_col = central_gradients(images)
    mag = np.hypot(g_col, g_row)[:, : ncr * pr, : ncc * pc]
    bins = orientation_bins(g_row, g_col, n_or)[:, : ncr * pr, : ncc * pc]
    cell_r = np.arange(ncr * pr) // pr
    cell_c = np.arange(ncc * pc) // pc
    cell = (cell_r[:, None] * ncc + cell_c[None, :])[None]  # 1 x H' x W'
    flat = (np.arange(n)[:, None, None] * (ncr * ncc) + cell) * n_or + bins
    keep = bins >= 0
    hist = np.bincount(flat[keep], weights=mag[keep], minlength=n * ncr * ncc * n_or)
    return hist.reshape(n, ncr, ncc, n_or) / (pr * pc)


def _normalise(blocks: np.ndarray, method: str) -> np.ndarray:
    """Normalise each block; ``blocks`` has the block's values on its last three axes."""
    axes = (-3, -2, -1)
    if method == "L1":
        return blocks / (np.abs(blocks).sum(axis=axes, keepdims=True) + EPS)
    if method == "L1-sqrt":
        return np.sqrt(blocks / (np.abs(blocks).sum(axis=axes, keepdims=True) + EPS))
    out = blocks / np.sqrt((blocks**2).sum(axis=axes, keepdims=True) + EPS**2)
    if method == "L2-Hys":
        out = np.minimum(out, 0.2)
        out = out / np.sqrt((out**2).sum(axis=axes, keepdims=True) + EPS**2)
    return out


def _blocks(hist: np.ndarray, cpb: tuple[int, int]) -> np.ndarray:
    """N x cells_r x cells_c x O -> N x blocks_r x blocks_c x b_r x b_c x O (a view)."""
    win = np.lib.stride_tricks.sliding_window_view(hist, cpb, axis=(1, 2))
    return np.moveaxis(win, 3, -1)


def hog_batch(
    images: object,
    orientations: int = 9,
    pixels_per_cell: tuple[int, int] = (8, 8),
    cells_per_block: tuple[int, int] = (3, 3),
    block_norm: str = "L2-Hys",
    chunk: int = 4096,
) -> np.ndarray:
    """HOG features of a batch of grey-scale images (N x H x W or N x H x W x 1).

    Returns an N x L float64 array, row ``i`` equal (to float rounding) to
    ``skimage.feature.hog(images[i], ...)`` with the same parameters. Computed with array
    operations only, ``chunk`` images at a time to bound memory.

    Raises ``ValueError`` for a batch of the wrong rank, non-finite values, bad parameters,
    or images too small for one block.
    """
    imgs = as_array(images, "images", ndim=(3, 4))
    if imgs.ndim == 4:
        if imgs.shape[-1] != 1:
            raise ValueError(f"images must be grey-scale (N x H x W x 1), got shape {imgs.shape}")
        imgs = imgs[..., 0]
    n_or, ppc, cpb = _check(imgs.shape, orientations, pixels_per_cell, cells_per_block, block_norm)
    chunk = check_positive_int(chunk, "chunk")
    length = hog_length(imgs.shape[1:], n_or, ppc, cpb)
    out = np.empty((imgs.shape[0], length), dtype=np.float64)
    for start in range(0, imgs.shape[0], chunk):
        part = imgs[start : start + chunk].astype(np.float64)
        hist = _cell_histograms(part, n_or, ppc)
        blocks = _normalise(_blocks(hist, cpb), block_norm)
        out[start : start + chunk] = blocks.reshape(len(part), -1)
    return out


def hog(
    image: object,
    orientations: int = 9,
    pixels_per_cell: tuple[int, int] = (8, 8),
    cells_per_block: tuple[int, int] = (3, 3),
    block_norm: str = "L2-Hys",
) -> np.ndarray:
    """HOG feature vector of one grey-scale image (H x W), as :func:`skimage.feature.hog`.

    The parameters have scikit-image's names and defaults. Returns a 1-D float64 array of
    length :func:`hog_length`.
    """
    img = as_array(image, "image", ndim=2)
    return hog_batch(img[None], orientations, pixels_per_cell, cells_per_block, block_norm)[0]


def cell_histograms(
    image: object, orientations: int = 9, pixels_per_cell: tuple[int, int] = (8, 8)
) -> np.ndarray:
    """The un-normalised cell histograms of one grey-scale image: cells_r x cells_c x orientations."""
    img = as_array(image, "image", ndim=2)
    n_or, ppc, _ = _check(img.shape, orientations, pixels_per_cell, (1, 1), "L2-Hys")
    return _cell_histograms(img[None].astype(np.float64), n_or, ppc)[0]


def hog_blocks(
    image: object,
    orientations: int = 9,
    pixels_per_cell: tuple[int, int] = (4, 4),
    cells_per_block: tuple[int, int] = (2, 2),
    block_norm: str = "L2-Hys",
) -> np.ndarray:
    """The normalised HOG blocks of one image, as a map (for sliding windows).

    Equal (to float rounding) to ``skimage.feature.hog(image, orientations,
    pixels_per_cell, cells_per_block, block_norm, feature_vector=False)``: an array of
    shape (blocks_r, blocks_c, b_r, b_c, orientations), block ``(i, j)`` starting at cell
    ``(i, j)``. The defaults are the detection chapter's (4 x 4-pixel cells, 2 x 2-cell
    blocks). Computed with array operations only, so it is many times faster than
    scikit-image, which normalises the blocks in a Python loop.

    The HOG of a window whose top-left corner is on cell ``(i, j)`` and which spans
    ``w_r x w_c`` blocks is ``blocks[i:i + w_r, j:j + w_c].ravel()`` (see
    :func:`window_features`); it differs from the HOG of the cropped window only in the
    gradients on the crop's border, which see the pixels around it.
    """
    img = as_array(image, "image", ndim=2)
    n_or, ppc, cpb = _check(img.shape, orientations, pixels_per_cell, cells_per_block, block_norm)
    hist = _cell_histograms(img[None].astype(np.float64), n_or, ppc)
    return _normalise(_blocks(hist, cpb), block_norm)[0]


def _check_window(blocks: object, window: object) -> tuple[np.ndarray, tuple[int, int]]:
    b = as_array(blocks, "blocks", ndim=5)
    win = _pair(window, "window")
    if win[0] > b.shape[0] or win[1] > b.shape[1]:
        raise ValueError(
            f"window of {win} blocks does not fit in a block map of {b.shape[:2]} blocks"
        )
    return b, win


def window_features(blocks: object, window: tuple[int, int], rows: object, cols: object) -> np.ndarray:
    """HOG features of the windows at block positions ``(rows[k], cols[k])``: K x F.

    ``blocks`` is a block map from :func:`hog_blocks`, ``window`` the window's size in
    blocks ``(w_r, w_c)``; feature ``k`` is ``blocks[r:r + w_r, c:c + w_c].ravel()``, in
    the order of ``skimage.feature.hog``'s feature vector.
    """
    b, (wr, wc) = _check_window(blocks, window)
    r = as_array(rows, "rows", ndim=1, kinds="iu").astype(np.int64)
    c = as_array(cols, "cols", ndim=1, kinds="iu").astype(np.int64)
    if len(r) != len(c):
        raise ValueError(f"rows and cols must have the same length, got {len(r)} and {len(c)}")
    if len(r) and (r.min() < 0 or c.min() < 0 or r.max() > b.shape[0] - wr or c.max() > b.shape[1] - wc):
        raise ValueError(
            f"window positions must lie in [0, {b.shape[0] - wr}] x [0, {b.shape[1] - wc}]"
        )
    win = np.lib.stride_tricks.sliding_window_view(b, (wr, wc), axis=(0, 1))
    # win: rows x cols x b_r x b_c x O x w_r x w_c -> window-major feature order
    return np.moveaxis(win[r, c], (-2, -1), (1, 2)).reshape(len(r), -1)


def window_scores(
    blocks: object, window: tuple[int, int], weights: object, bias: object = 0.0
) -> np.ndarray:
    """Linear scores ``w · x + b`` of every window of a block map, as a correlation.

    Parameters
    ----------
    blocks
        A block map from :func:`hog_blocks`, (B_r, B_c, b_r, b_c, O).
    window
        The window's size in blocks ``(w_r, w_c)``.
    weights
        K x F (or F,) linear weights over a window's features (scikit-learn's ``coef_``),
        ``F = w_r w_c b_r b_c O``.
    bias
        K (or scalar) intercepts.

    Returns
    -------
    numpy.ndarray
        (B_r - w_r + 1) x (B_c - w_c + 1) x K scores (K = 1 for 1-D weights), equal to
        ``window_features(...) @ weights.T + bias`` for every window, without building
        the window features: each block's dot product with each part of the template is
        computed once, and the parts are summed at their offsets.
    """
    b, (wr, wc) = _check_window(blocks, window)
    w = as_array(weights, "weights", ndim=(1, 2)).astype(np.float64)
    w = w[None] if w.ndim == 1 else w
    per_block = int(np.prod(b.shape[2:]))
    if w.shape[1] != wr * wc * per_block:
        raise ValueError(
            f"weights must have {wr * wc * per_block} columns (window of {wr} x {wc} blocks of "
            f"{per_block} values), got {w.shape[1]}"
        )
    bias_arr = np.broadcast_to(as_array(bias, "bias", ndim=(0, 1)).astype(np.float64), (len(w),))
    ny, nx = b.shape[0] - wr + 1, b.shape[1] - wc + 1
    flat = b.reshape(b.shape[0], b.shape[1], per_block)
    # R[y, x, a, c, k]: block (y, x) against part (a, c) of template k
    parts = w.reshape(len(w), wr, wc, per_block)
    resp = np.einsum("yxf,kacf->yxack", flat, parts, optimize=True)
    out = np.zeros((ny, nx, len(w)))
    for a in range(wr):
        for c in range(wc):
            out += resp[a : a + ny, c : c + nx, a, c]
    return out + bias_arr
