"""Scoring binary segmentations (IoU, Dice) and Otsu's global threshold, from scratch.

For a predicted mask ``P`` and a true mask ``G`` (sets of foreground pixels)::

    IoU  = |P ∩ G| / |P ∪ G|                (Jaccard index)
    Dice = 2 |P ∩ G| / (|P| + |G|)          (F1 score of the foreground pixels)
    Dice = 2 IoU / (1 + IoU)

Both are 1 for a perfect mask and 0 for disjoint masks. When both masks are empty the
ratios are 0/0; here they are defined as :data:`EMPTY_SCORE` = 1 (nothing to find, nothing
found: a perfect answer), which is scikit-learn's ``zero_division=1.0``. *Per image* scores
are computed for each mask of a stack and usually averaged; *pooled* scores add the counts
of all images first, so large objects weigh more.

Otsu's threshold (Otsu, 1979) splits the grey-level histogram into two classes at the bin
``k`` that maximises the between-class variance ``w0 w1 (mu0 - mu1)^2`` (class weights
``w`` and means ``mu`` of the bins ``<= k`` and ``> k``); :func:`otsu_threshold` returns the
same bin centre as :func:`skimage.filters.threshold_otsu` for floating-point images.
"""

from __future__ import annotations

import numpy as np

from helpers.validate import as_array, check_positive_int

#: IoU and Dice when both the prediction and the truth are empty.
EMPTY_SCORE = 1.0


def _masks(pred: object, truth: object) -> tuple[np.ndarray, np.ndarray]:
    p = as_array(pred, "pred", ndim=(2, 3), kinds="biuf")
    g = as_array(truth, "truth", ndim=(2, 3), kinds="biuf")
    if p.shape != g.shape:
        raise ValueError(f"pred and truth must have the same shape, got {p.shape} and {g.shape}")
    for arr, name in ((p, "pred"), (g, "truth")):
        if arr.dtype != bool and not np.isin(arr, (0, 1)).all():
            raise ValueError(f"{name} must be a binary mask (bool or 0/1), got other values")
    return p.astype(bool), g.astype(bool)


def _counts(pred: object, truth: object) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """|P ∩ G|, |P| and |G| per image (over the last two axes), as int64."""
    p, g = _masks(pred, truth)
    axes = (-2, -1)
    return (p & g).sum(axes, dtype=np.int64), p.sum(axes, dtype=np.int64), g.sum(axes, dtype=np.int64)


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    num, den = np.asarray(num, np.float64), np.asarray(den, np.float64)
    return np.divide(num, den, out=np.full(den.shape, EMPTY_SCORE), where=den > 0)


def iou(pred: object, truth: object) -> float | np.ndarray:
    """Foreground IoU of one mask (H x W: a float) or of each mask of a stack (N x H x W: N floats).

    Masks are bool or 0/1 arrays of the same shape; :data:`EMPTY_SCORE` when both are empty.

    Raises
    ------
    ValueError
        If the shapes differ, the rank is not 2 or 3, or a mask is not binary.
    """
    inter, np_, ng = _counts(pred, truth)
    out = _ratio(inter, np_ + ng - inter)
    return float(out) if out.ndim == 0 else out


def dice(pred: object, truth: object) -> float | np.ndarray:
    """Dice coefficient ``2|P ∩ G| / (|P| + |G|)``, per mask as :func:`iou`."""
    inter, np_, ng = _counts(pred, truth)
    out = _ratio(2 * inter, np_ + ng)
    return float(out) if out.ndim == 0 else out


def pooled_iou(pred: object, truth: object) -> float:
    """IoU of all pixels of a stack of masks together: counts summed over the images first."""
    inter, np_, ng = (c.sum() for c in _counts(pred, truth))
    return float(_ratio(inter, np_ + ng - inter))


def pooled_dice(pred: object, truth: object) -> float:
    """Dice of all pixels of a stack of masks together: counts summed over the images first."""
    inter, np_, ng = (c.sum() for c in _counts(pred, truth))
    return float(_ratio(2 * inter, np_ + ng))


def otsu_threshold(image: object, nbins: int = 256) -> float:
    """Otsu's threshold of a floating-point grey-scale image (foreground: ``image > t``).

    The histogram is NumPy's, with ``nbins`` equal bins from the image's minimum to its
    maximum (in the image's own dtype, as scikit-image computes it). For each split after
    bin ``k`` the between-class variance is ``w0 w1 (mu0 - mu1)^2``, with ``w0``, ``w1`` the
    pixel counts and ``mu0``, ``mu1`` the mean bin centres of the two classes; the result is
    the centre of the bin that maximises it (the first, on ties). A constant image returns
    its value.

    Raises
    ------
    ValueError
        If the image is not 2-D, not of a floating-point dtype, or not finite, or
        ``nbins < 2``.
    """
    img = as_array(image, "image", ndim=2, kinds="f")
    if check_positive_int(nbins, "nbins") < 2:
        raise ValueError(f"nbins must be at least 2, got {nbins}")
    lo, hi = img.min(), img.max()
    if lo == hi:
        return float(lo)
    counts, edges = np.histogram(img.ravel(), bins=nbins, range=(lo, hi))
    centres = ((edges[:-1] + edges[1:]) / 2).astype(np.float64)
    counts = counts.astype(np.float64)
    w0 = np.cumsum(counts)[:-1]                 # pixels in bins 0..k
    w1 = np.cumsum(counts[::-1])[::-1][1:]      # pixels in bins k+1..
    s0 = np.cumsum(counts * centres)[:-1]
    s1 = np.cumsum((counts * centres)[::-1])[::-1][1:]
    # w0 > 0 and w1 > 0 for every split: the minimum lies in the first bin, the maximum in the last
    between = w0 * w1 * (s0 / w0 - s1 / w1) ** 2
    return float(centres[int(np.argmax(between))])
