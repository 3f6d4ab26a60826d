"""Unit tests of helpers.hog against skimage.feature.hog."""

from __future__ import annotations

import numpy as np
import pytest
from skimage.feature import hog as sk_hog

from helpers import hog

RNG = np.random.default_rng(1)


@pytest.mark.parametrize("norm", hog.NORMS)
@pytest.mark.parametrize(
    "shape, ppc, cpb, orientations",
    [((32, 40), (8, 8), (3, 3), 9), ((28, 28), (4, 4), (2, 2), 9), ((30, 23), (5, 7), (2, 1), 6),
     ((16, 16), (16, 16), (1, 1), 12)],
)
def test_hog_matches_skimage(shape, ppc, cpb, orientations, norm):
    img = RNG.random(shape) * 255
    want = sk_hog(img, orientations, ppc, cpb, norm)
    got = hog.hog(img, orientations, ppc, cpb, norm)
    assert got.shape == want.shape == (hog.hog_length(shape, orientations, ppc, cpb),)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-6)


def test_hog_batch_equals_single_and_accepts_channel_axis():
    batch = RNG.random((5, 28, 28, 1)).astype(np.float32)
    feats = hog.hog_batch(batch, 9, (4, 4), (2, 2), chunk=2)
    assert feats.shape == (5, 1296) and feats.dtype == np.float64
    for i in range(5):
        np.testing.assert_allclose(feats[i], hog.hog(batch[i, ..., 0], 9, (4, 4), (2, 2)), atol=1e-12)
        np.testing.assert_allclose(feats[i], sk_hog(batch[i, ..., 0].astype(np.float64), 9, (4, 4), (2, 2)), atol=1e-6)


def test_hog_on_a_flat_image_is_zero():
    assert not hog.hog(np.full((24, 24), 7.0), 9, (8, 8), (2, 2)).any()


def test_orientation_bins_edges():
    # angles 0, 20, 90, 179.9 degrees and exactly 180 (no bin), for 9 bins of 20 degrees
    ang = np.deg2rad([0.0, 20.0, 90.0, 179.9])
    idx = hog.orientation_bins(np.sin(ang), np.cos(ang), 9)
    np.testing.assert_array_equal(idx, [0, 1, 4, 8])
    assert hog.orientation_bins(np.array([-1e-17]), np.array([1.0]), 9)[0] == -1


def test_cell_histograms_mean_vote():
    img = np.tile(np.arange(8.0), (8, 1))  # horizontal ramp: g_col = 2 inside, orientation 0
    h = hog.cell_histograms(img, 9, (8, 8))
    assert h.shape == (1, 1, 9)
    assert np.isclose(h[0, 0, 0], 2.0 * 6 * 8 / 64) and not h[0, 0, 1:].any()


def test_hog_length_formula():
    assert hog.hog_length((128, 64), 9, (8, 8), (2, 2)) == 3780  # Dalal & Triggs' window
    assert hog.hog_length((28, 28), 9, (4, 4), (2, 2)) == 1296


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: hog.hog(np.zeros((4, 4, 4))), "image must have 2 dimensions"),
        (lambda: hog.hog(np.full((32, 32), np.nan)), "image must be finite"),
        (lambda: hog.hog(np.zeros((16, 16))), "too small for one block"),
        (lambda: hog.hog(np.zeros((32, 32)), orientations=0), "orientations must be a positive integer"),
        (lambda: hog.hog(np.zeros((32, 32)), pixels_per_cell=8), "pixels_per_cell must be a pair"),
        (lambda: hog.hog(np.zeros((32, 32)), cells_per_block=(2, 0)), "cells_per_block must be a positive"),
        (lambda: hog.hog(np.zeros((32, 32)), block_norm="L3"), "block_norm must be one of"),
        (lambda: hog.hog_batch(np.zeros((32, 32))), "images must have 3 or 4 dimensions"),
        (lambda: hog.hog_batch(np.zeros((2, 32, 32, 3))), "grey-scale"),
        (lambda: hog.hog_batch(np.zeros((2, 32, 32)), chunk=0), "chunk must be a positive integer"),
        (lambda: hog.hog_length((8,), 9), "image_shape must be a pair"),
    ],
)
def test_hog_rejects_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_central_gradients_do_not_wrap_on_uint8():
    img = np.array([[0, 0, 0], [10, 50, 200], [0, 0, 0]], dtype=np.uint8)
    g_row, g_col = hog.central_gradients(img)
    assert g_row.dtype == g_col.dtype == np.float64
    assert g_col[1, 1] == 190.0  # 200 - 10, not (200 - 10) mod 256
    assert hog.central_gradients(img.T)[0][1, 1] == 190.0
    left = np.array([[0, 0, 0], [200, 50, 10], [0, 0, 0]], dtype=np.uint8)
    assert hog.central_gradients(left)[1][1, 1] == -190.0  # not 66


def test_central_gradients_equal_for_uint8_and_float():
    img = (RNG.random((2, 12, 10)) * 255).astype(np.uint8)
    for got, want in zip(hog.central_gradients(img),
                         hog.central_gradients(img.astype(np.float64)), strict=True):
        np.testing.assert_array_equal(got, want)
    np.testing.assert_allclose(hog.hog(img[0], 9, (4, 4), (2, 2)),
                               sk_hog(img[0], 9, (4, 4), (2, 2)), atol=1e-6)


@pytest.mark.parametrize(
    "bad, message",
    [(np.zeros(5), "at least 2 dimensions"), (np.array([["a", "b"]]), "numeric dtype"),
     (np.full((3, 3), np.inf), "finite")],
)
def test_central_gradients_reject_bad_input(bad, message):
    with pytest.raises(ValueError, match=message):
        hog.central_gradients(bad)


# --- block maps and sliding windows (detection chapter) ----------------------------------
@pytest.mark.parametrize("norm", ["L2-Hys", "L1"])
@pytest.mark.parametrize(
    "shape, ppc, cpb", [((45, 62), (4, 4), (2, 2)), ((70, 53), (5, 5), (2, 2)), ((37, 81), (3, 6), (3, 2)),
                        ((96, 96), (8, 8), (1, 1))],
)
def test_hog_blocks_match_skimage_block_map(shape, ppc, cpb, norm):
    img = RNG.random(shape) * np.linspace(0.2, 1, shape[1])  # non-square, not symmetric
    want = sk_hog(img, 9, ppc, cpb, norm, feature_vector=False)
    got = hog.hog_blocks(img, 9, ppc, cpb, norm)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-6)


def test_window_features_are_slices_of_the_block_map_in_skimage_order():
    img = RNG.random((44, 52))
    blocks = hog.hog_blocks(img)  # 10 x 12 blocks of 2 x 2 cells x 9 bins
    feats = hog.window_features(blocks, (7, 5), [0, 3, 1], [7, 0, 2])
    assert feats.shape == (3, 7 * 5 * 36)
    np.testing.assert_array_equal(feats[1], blocks[3:10, 0:5].ravel())
    np.testing.assert_array_equal(feats[2], blocks[1:8, 2:7].ravel())
    # the window that covers the whole map is skimage's feature vector of the whole image
    whole = hog.window_features(blocks, blocks.shape[:2], [0], [0])[0]
    np.testing.assert_allclose(whole, sk_hog(img, 9, (4, 4), (2, 2)), atol=1e-6)


@pytest.mark.parametrize("window, k", [((7, 7), 3), ((3, 5), 1)])
def test_window_scores_equal_explicit_window_features(window, k):
    blocks = hog.hog_blocks(RNG.random((50, 61)))
    f = window[0] * window[1] * 36
    w, b = RNG.normal(size=(k, f)), RNG.normal(size=k)
    got = hog.window_scores(blocks, window, w if k > 1 else w[0], b if k > 1 else b[0])
    ny, nx = blocks.shape[0] - window[0] + 1, blocks.shape[1] - window[1] + 1
    rows, cols = np.divmod(np.arange(ny * nx), nx)
    want = (hog.window_features(blocks, window, rows, cols) @ w.T + b).reshape(ny, nx, k)
    assert got.shape == (ny, nx, k)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-10)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: hog.hog_blocks(np.zeros((4, 4, 4))), "image must have 2 dimensions"),
        (lambda: hog.hog_blocks(np.zeros((6, 30))), "too small for one block"),
        (lambda: hog.window_features(np.zeros((5, 5, 2, 2, 9)), (6, 2), [0], [0]), "does not fit"),
        (lambda: hog.window_features(np.zeros((5, 5, 2, 2, 9)), (2, 2), [0, 4], [0, 0]), "positions must lie"),
        (lambda: hog.window_features(np.zeros((5, 5, 2, 2, 9)), (2, 2), [0], [0, 1]), "same length"),
        (lambda: hog.window_scores(np.zeros((5, 5, 2, 2, 9)), (2, 2), np.zeros(100)), "weights must have 144"),
        (lambda: hog.window_scores(np.zeros((5, 5, 2, 9)), (2, 2), np.zeros(144)), "blocks must have 5"),
        (lambda: hog.window_scores(np.zeros((5, 5, 2, 2, 9)), 2, np.zeros(144)), "window must be a pair"),
    ],
)
def test_block_map_helpers_reject_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()
