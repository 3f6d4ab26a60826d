"""Unit tests of helpers.segmentation against scikit-learn and scikit-image.

Planted one-line bugs these tests were seen to catch: Dice computed as IoU, the prediction
transposed before counting, Otsu's between-class variance with the wrong weights
(``w0 * w0``, or without the weights), the threshold at the upper edge of the bin instead of
its centre, an empty prediction and truth giving NaN (or 0) instead of 1, pooled IoU as the
mean of the per-image values.
"""

from __future__ import annotations

import numpy as np
import pytest
from skimage.filters import threshold_otsu
from sklearn.metrics import f1_score, jaccard_score

from helpers import segmentation as seg

RNG = np.random.default_rng(30)


def random_masks(rng: np.random.Generator, n: int = 12, size: int = 16) -> tuple[np.ndarray, np.ndarray]:
    """Square, non-symmetric masks with varied foreground fractions, one pair both empty."""
    truth = rng.random((n, size, size)) < rng.uniform(0.02, 0.4, (n, 1, 1))
    truth[:, :, : size // 3] &= rng.random((n, size, size // 3)) < 0.2  # left side sparser
    flip = rng.random((n, size, size)) < rng.uniform(0.0, 0.3, (n, 1, 1))
    pred = truth ^ flip
    pred[0], truth[0] = False, False
    pred[1] = False  # empty prediction, non-empty truth: 0
    return pred, truth


def test_iou_and_dice_equal_sklearn_per_image_and_pooled():
    pred, truth = random_masks(RNG)
    ours_iou, ours_dice = seg.iou(pred, truth), seg.dice(pred, truth)
    ref_iou = [jaccard_score(g.ravel(), p.ravel(), zero_division=1.0) for p, g in zip(pred, truth, strict=True)]
    ref_dice = [f1_score(g.ravel(), p.ravel(), zero_division=1.0) for p, g in zip(pred, truth, strict=True)]
    np.testing.assert_allclose(ours_iou, ref_iou, rtol=0, atol=1e-12)
    np.testing.assert_allclose(ours_dice, ref_dice, rtol=0, atol=1e-12)
    assert abs(seg.pooled_iou(pred, truth) - jaccard_score(truth.ravel(), pred.ravel())) <= 1e-12
    assert abs(seg.pooled_dice(pred, truth) - f1_score(truth.ravel(), pred.ravel())) <= 1e-12
    assert ours_iou[0] == ours_dice[0] == seg.EMPTY_SCORE == 1.0 and ours_iou[1] == 0.0
    assert 0.05 < ours_iou[2:].min() and ours_iou[2:].max() < 0.999  # non-trivial
    np.testing.assert_allclose(ours_dice, 2 * ours_iou / (1 + ours_iou), atol=1e-12)


def test_single_mask_gives_a_float_and_integer_masks_are_accepted():
    pred, truth = random_masks(RNG, 3, 9)
    v = seg.iou(pred[2].astype(np.uint8), truth[2].astype(np.int64))
    assert isinstance(v, float) and v == seg.iou(pred, truth)[2]
    assert seg.dice(np.zeros((4, 5)), np.zeros((4, 5))) == 1.0
    assert seg.pooled_iou(np.zeros((2, 4, 5)), np.zeros((2, 4, 5))) == 1.0


def test_pooled_weighs_by_pixels_not_by_image():
    truth = np.zeros((2, 10, 10), bool)
    truth[0, :8, :8] = True  # 64 pixels
    truth[1, 0, 0] = True  # 1 pixel
    pred = truth.copy()
    pred[1] = False
    assert seg.iou(pred, truth).mean() == 0.5 and seg.pooled_iou(pred, truth) == 64 / 65


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("seed", range(8))
def test_otsu_equals_skimage(seed, dtype):
    rng = np.random.default_rng(seed)
    h, w = rng.integers(20, 60, 2)
    # two skewed populations of unequal size and spread, plus a few outliers
    img = np.where(rng.random((h, w)) < rng.uniform(0.1, 0.5),
                   rng.beta(5, 2, (h, w)) * 0.6 + 0.4, rng.gamma(2, 0.08, (h, w)))
    img[rng.integers(0, h, 3), rng.integers(0, w, 3)] = rng.uniform(-1, 3, 3)
    img = img.astype(dtype)
    for nbins in (256, 31):
        assert seg.otsu_threshold(img, nbins) == float(threshold_otsu(img, nbins=nbins))


def test_otsu_of_two_levels_splits_them_and_constant_image():
    img = np.r_[np.full(70, 0.2), np.full(30, 0.9)].reshape(10, 10)
    t = seg.otsu_threshold(img)
    assert 0.2 <= t < 0.9 and ((img > t) == (img == 0.9)).all()
    assert seg.otsu_threshold(np.full((3, 4), 0.25)) == 0.25


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: seg.iou(np.zeros((4, 4)), np.zeros((4, 5))), "same shape"),
        (lambda: seg.iou(np.zeros(4), np.zeros(4)), "pred must have 2 or 3 dimensions"),
        (lambda: seg.dice(np.full((4, 4), 0.5), np.zeros((4, 4))), "pred must be a binary mask"),
        (lambda: seg.pooled_iou(np.zeros((2, 4, 4)), np.full((2, 4, 4), 2)), "truth must be a binary mask"),
        (lambda: seg.iou(np.zeros((4, 4)), np.full((4, 4), np.nan)), "truth must be finite"),
        (lambda: seg.otsu_threshold(np.zeros((4, 4), np.uint8)), "numeric dtype of kind 'f'"),
        (lambda: seg.otsu_threshold(np.zeros((2, 4, 4))), "image must have 2 dimensions"),
        (lambda: seg.otsu_threshold(np.random.rand(4, 4), nbins=1), "nbins must be at least 2"),
        (lambda: seg.otsu_threshold(np.random.rand(4, 4), nbins=0), "nbins must be a positive"),
    ],
)
def test_segmentation_rejects_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()
