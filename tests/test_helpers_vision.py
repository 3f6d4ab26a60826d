"""Unit tests of helpers.vision (filters, gradients, integral image, batch transforms)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from helpers import vision

RNG = np.random.default_rng(0)
IMG = RNG.random((13, 17))


# --- correlation and convolution ------------------------------------------------------
@pytest.mark.parametrize("mode", sorted(vision.PAD_MODES))
@pytest.mark.parametrize("shape", [(1, 1), (3, 3), (5, 3), (1, 7)])
def test_correlate2d_matches_scipy(mode, shape):
    k = RNG.normal(size=shape)
    got = vision.correlate2d(IMG, k, mode=mode, cval=0.5)
    want = ndimage.correlate(IMG, k, mode=mode, cval=0.5)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)


@pytest.mark.parametrize("mode", sorted(vision.PAD_MODES))
def test_convolve2d_matches_scipy_and_flips(mode):
    k = RNG.normal(size=(3, 5))
    got = vision.convolve2d(IMG, k, mode=mode)
    np.testing.assert_allclose(got, ndimage.convolve(IMG, k, mode=mode), atol=1e-12)
    np.testing.assert_allclose(got, vision.correlate2d(IMG, k[::-1, ::-1], mode=mode), atol=0)


def test_impulse_response():
    delta = np.zeros((5, 5))
    delta[2, 2] = 1.0
    k = np.arange(9.0).reshape(3, 3)
    # convolving an impulse reproduces the kernel; correlating reproduces it flipped
    np.testing.assert_array_equal(vision.convolve2d(delta, k, mode="constant")[1:4, 1:4], k)
    np.testing.assert_array_equal(vision.correlate2d(delta, k, mode="constant")[1:4, 1:4], k[::-1, ::-1])


def test_integer_image_is_accepted():
    out = vision.correlate2d(np.arange(12).reshape(3, 4), np.ones((1, 1)))
    assert out.dtype == np.float64 and out[2, 3] == 11.0


@pytest.mark.parametrize(
    "image, kernel, kwargs, message",
    [
        (np.zeros(5), np.ones((3, 3)), {}, "image must have 2 dimensions"),
        (np.zeros((5, 5)), np.ones(3), {}, "kernel must have 2 dimensions"),
        (np.zeros((5, 5)), np.ones((2, 3)), {}, "odd height and width"),
        (np.zeros((5, 5)), np.ones((3, 4)), {}, "odd height and width"),
        (np.full((5, 5), np.nan), np.ones((3, 3)), {}, "image must be finite"),
        (np.zeros((5, 5)), np.full((3, 3), np.inf), {}, "kernel must be finite"),
        (np.zeros((5, 5)), np.ones((3, 3)), {"mode": "same"}, "mode must be one of"),
        (np.zeros((5, 5)), np.ones((3, 3)), {"mode": "constant", "cval": np.nan}, "cval must be finite"),
        (np.zeros((0, 5)), np.ones((3, 3)), {}, "must not be empty"),
    ],
)
def test_correlate2d_rejects_bad_input(image, kernel, kwargs, message):
    with pytest.raises(ValueError, match=message):
        vision.correlate2d(image, kernel, **kwargs)
    with pytest.raises(ValueError, match=message):
        vision.convolve2d(image, kernel, **kwargs)


# --- kernels and gradients ------------------------------------------------------------
def test_box_kernel():
    k = vision.box_kernel(3)
    assert k.shape == (3, 3) and np.isclose(k.sum(), 1.0)
    np.testing.assert_allclose(vision.correlate2d(IMG, k), ndimage.uniform_filter(IMG, 3), atol=1e-12)
    for bad in (2, 0, -3, 2.5, True):
        with pytest.raises(ValueError, match="size must be"):
            vision.box_kernel(bad)


@pytest.mark.parametrize("sigma", [0.5, 1.0, 2.3])
def test_gaussian_kernel_matches_scipy(sigma):
    k = vision.gaussian_kernel(sigma)
    assert k.shape[0] == k.shape[1] == 2 * int(4 * sigma + 0.5) + 1
    assert np.isclose(k.sum(), 1.0) and np.allclose(k, k.T)
    np.testing.assert_allclose(vision.correlate2d(IMG, k), ndimage.gaussian_filter(IMG, sigma), atol=1e-12)


@pytest.mark.parametrize("bad", [0, -1.0, np.nan, np.inf, "1", True])
def test_gaussian_kernel_rejects(bad):
    with pytest.raises(ValueError, match="sigma must be a finite positive number"):
        vision.gaussian_kernel(bad)
    with pytest.raises(ValueError, match="truncate must be a finite positive number"):
        vision.gaussian_kernel(1.0, truncate=bad)


def test_sobel_and_gradients():
    kx, ky = vision.sobel_kernels()
    np.testing.assert_array_equal(kx, [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])
    np.testing.assert_array_equal(ky, kx.T)
    gx, gy, mag, ang = vision.gradients(IMG)
    np.testing.assert_allclose(gx, ndimage.sobel(IMG, axis=1), atol=1e-12)
    np.testing.assert_allclose(gy, ndimage.sobel(IMG, axis=0), atol=1e-12)
    np.testing.assert_allclose(mag, np.hypot(gx, gy))
    # a ramp growing to the right: gradient points along +x (angle 0), magnitude 8 per unit step
    ramp = np.tile(np.arange(6.0), (5, 1))
    gx, gy, mag, ang = vision.gradients(ramp)
    assert np.allclose(gx[:, 1:-1], 8.0) and np.allclose(gy, 0.0) and np.allclose(ang[:, 1:-1], 0.0)


# --- integral image -------------------------------------------------------------------
def test_integral_image_and_box_sum():
    img = RNG.integers(0, 256, size=(7, 9), dtype=np.uint8)
    table = vision.integral_image(img)
    assert table.shape == (8, 10) and table.dtype == np.int64
    assert table[0].sum() == 0 and table[:, 0].sum() == 0 and table[-1, -1] == img.sum(dtype=np.int64)
    for t, lf, b, r in [(0, 0, 7, 9), (2, 3, 5, 8), (4, 4, 4, 6), (6, 8, 7, 9)]:
        assert vision.box_sum(table, t, lf, b, r) == img[t:b, lf:r].sum(dtype=np.int64)
    many = vision.box_sum(table, [0, 1], [0, 2], [3, 7], [3, 9])
    np.testing.assert_array_equal(many, [img[:3, :3].sum(), img[1:7, 2:9].sum()])
    ftable = vision.integral_image(img / 255.0)
    assert ftable.dtype == np.float64 and np.isclose(ftable[-1, -1], img.sum() / 255.0)


def test_integral_image_matches_opencv():
    cv2 = pytest.importorskip("cv2")
    img = RNG.integers(0, 256, size=(11, 6), dtype=np.uint8)
    np.testing.assert_array_equal(vision.integral_image(img), cv2.integral(img))


def test_integral_and_box_sum_reject_bad_input():
    with pytest.raises(ValueError, match="image must have 2 dimensions"):
        vision.integral_image(np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match="image must be finite"):
        vision.integral_image(np.array([[np.nan]]))
    table = vision.integral_image(np.ones((4, 4)))
    with pytest.raises(ValueError, match="rows must satisfy"):
        vision.box_sum(table, 3, 0, 2, 1)
    with pytest.raises(ValueError, match="columns must satisfy"):
        vision.box_sum(table, 0, 0, 1, 5)
    with pytest.raises(ValueError, match="top must have a numeric dtype"):
        vision.box_sum(table, 0.5, 0, 1, 1)


# --- batch transforms -----------------------------------------------------------------
def test_shift_images():
    batch = RNG.random((3, 6, 5, 1)).astype(np.float32)
    out = vision.shift_images(batch, 2, -1)
    assert out.shape == batch.shape and out.dtype == batch.dtype
    np.testing.assert_array_equal(out[:, 2:, :-1], batch[:, :-2, 1:])
    assert not out[:, :2].any() and not out[:, :, -1].any()
    np.testing.assert_array_equal(vision.shift_images(batch, 0, 0), batch)
    for dy, dx in [(6, 0), (0, -5), (1.0, 0), (True, 0)]:
        with pytest.raises(ValueError, match="must be an integer"):
            vision.shift_images(batch, dy, dx)
    with pytest.raises(ValueError, match="one channel"):
        vision.shift_images(np.zeros((2, 4, 4, 3)), 1, 1)


def test_rotate_images():
    batch = RNG.random((2, 9, 9))
    np.testing.assert_allclose(vision.rotate_images(batch, 0.0), batch, atol=1e-12)
    # 90 degrees counter-clockwise on a square image is np.rot90 in the (row, column) plane
    np.testing.assert_allclose(vision.rotate_images(batch, 90.0), np.rot90(batch, 1, axes=(1, 2)), atol=1e-9)
    with pytest.raises(ValueError, match="angle must be a finite number"):
        vision.rotate_images(batch, np.nan)
    with pytest.raises(ValueError, match="images must have 3 or 4 dimensions"):
        vision.rotate_images(batch[0], 10.0)
