"""Unit tests of helpers.autoencoder (PCA, principal angles, transposed convolution, KL)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg

from helpers import autoencoder, nn

RNG = np.random.default_rng(0)


# --- PCA ------------------------------------------------------------------------------------
def test_pca_svd_matches_covariance_eigh():
    x = RNG.standard_normal((200, 6)) @ RNG.standard_normal((6, 6)) + 3.0
    mean, comps, var = autoencoder.pca_svd(x)
    np.testing.assert_allclose(mean, x.mean(axis=0))
    evals, evecs = np.linalg.eigh(np.cov(x, rowvar=False))
    np.testing.assert_allclose(var, evals[::-1], rtol=1e-10)
    np.testing.assert_allclose(np.abs(comps @ evecs[:, ::-1]), np.eye(6), atol=1e-8)
    assert np.all(comps[np.arange(6), np.argmax(np.abs(comps), axis=1)] > 0)


def test_pca_reconstruction_error_is_discarded_variance():
    x = RNG.standard_normal((300, 10)) * np.arange(1, 11)
    mean, comps, var = autoencoder.pca_svd(x)
    for k in (1, 4, 10):
        rec = autoencoder.pca_reconstruct(x, mean, comps[:k])
        err = np.sum((x - rec) ** 2) / len(x)
        assert np.isclose(err, (len(x) - 1) / len(x) * var[k:].sum())


def test_pca_rejects_bad_input():
    with pytest.raises(ValueError, match="x must have 2 dimensions"):
        autoencoder.pca_svd(np.zeros((3, 4, 5)))
    with pytest.raises(ValueError, match="at least 2 rows"):
        autoencoder.pca_svd(np.zeros((1, 4)))
    with pytest.raises(ValueError, match="finite"):
        autoencoder.pca_svd(np.array([[0.0, np.nan], [1.0, 2.0]]))
    with pytest.raises(ValueError, match="components k x d"):
        autoencoder.pca_reconstruct(np.zeros((3, 4)), np.zeros(4), np.zeros((2, 5)))
    with pytest.raises(ValueError, match="at least 1 column"):
        autoencoder.pca_svd(np.zeros((3, 0)))
    with pytest.raises(ValueError, match="orthonormal rows"):
        autoencoder.pca_reconstruct(np.zeros((3, 4)), np.zeros(4), 2 * np.eye(4)[:1])


# --- principal angles -----------------------------------------------------------------------
def test_principal_angles_match_scipy_and_ignore_basis():
    a, b = RNG.standard_normal((20, 4)), RNG.standard_normal((20, 4))
    want = np.sort(np.degrees(scipy.linalg.subspace_angles(a, b)))
    np.testing.assert_allclose(autoencoder.principal_angles(a, b), want, atol=1e-8)
    same = a @ RNG.standard_normal((4, 4))
    assert autoencoder.principal_angles(a, same).max() < 1e-5
    e = np.eye(3)
    np.testing.assert_allclose(autoencoder.principal_angles(e[:, :1], e[:, 1:2]), [90.0])


def test_principal_angles_known_angles_including_tiny_ones():
    """Subspaces built with known angles, from 1e-9 to 89.9 degrees, in a random basis."""
    want = np.array([1e-9, 1e-4, 30.0, 60.0, 89.9])
    t = np.radians(want)
    q, _ = np.linalg.qr(RNG.standard_normal((12, 12)))  # a random orthonormal frame
    a = q[:, :5] @ RNG.standard_normal((5, 5))  # a non-orthogonal basis of span(q_0..q_4)
    b = q[:, :5] * np.cos(t) + q[:, 5:10] * np.sin(t)
    got = autoencoder.principal_angles(a, b)
    np.testing.assert_allclose(got, want, rtol=1e-3)  # arccos alone: 1e-6 degrees off
    # independent reference: SciPy (also sine-based for small angles; it rounds the
    # 1e-9-degree angle to 0 here, so the smallest angles are compared absolutely)
    ref = np.sort(np.degrees(scipy.linalg.subspace_angles(a, b)))
    np.testing.assert_allclose(got, ref, rtol=1e-8, atol=1e-8)


def test_principal_angles_reject_bad_input():
    with pytest.raises(ValueError, match="d x k with d >= k"):
        autoencoder.principal_angles(np.zeros((5, 2)), np.zeros((5, 3)))
    with pytest.raises(ValueError, match="d x k with d >= k"):
        autoencoder.principal_angles(np.ones((2, 3)), np.ones((2, 3)))
    with pytest.raises(ValueError, match="full column rank"):
        autoencoder.principal_angles(np.ones((5, 2)), RNG.standard_normal((5, 2)))
    with pytest.raises(ValueError, match="a must have 2 dimensions"):
        autoencoder.principal_angles(np.ones(5), np.ones(5))
    with pytest.raises(ValueError, match="d >= k >= 1"):
        autoencoder.principal_angles(np.ones((5, 0)), np.ones((5, 0)))


# --- transposed convolution -----------------------------------------------------------------
def _scatter(x, w, stride):
    """The definition: every input pixel paints a kernel-weighted patch (loops)."""
    n, h, wd, _ = x.shape
    kh, kw, cout, _ = w.shape
    y = np.zeros((n, (h - 1) * stride + kh, (wd - 1) * stride + kw, cout))
    for i in range(h):
        for j in range(wd):
            patch = np.einsum("nc,uvoc->nuvo", x[:, i, j, :], w)
            y[:, i * stride : i * stride + kh, j * stride : j * stride + kw, :] += patch
    return y


@pytest.mark.parametrize("k, s", [(3, 1), (3, 2), (2, 2), (4, 3)])
def test_conv2d_transpose_valid_is_scatter_and_adjoint(k, s):
    x, w = RNG.standard_normal((2, 4, 5, 3)), RNG.standard_normal((k, k, 2, 3))
    y = autoencoder.conv2d_transpose(x, w, stride=s)
    np.testing.assert_allclose(y, _scatter(x, w, s), atol=1e-12)
    big = RNG.standard_normal(y.shape)
    # <conv(big), x> = <big, conv_transpose(x)>: the transpose of the convolution
    assert np.isclose(np.sum(nn.conv2d(big, w, stride=s) * x), np.sum(big * y))


def test_conv2d_transpose_sizes_and_bias():
    x, w, b = RNG.standard_normal((1, 7, 7, 2)), RNG.standard_normal((3, 3, 4, 2)), np.arange(4.0)
    assert autoencoder.conv2d_transpose(x, w, stride=2, padding="same").shape == (1, 14, 14, 4)
    assert autoencoder.conv2d_transpose(x, w, stride=2).shape == (1, 15, 15, 4)
    assert autoencoder.conv2d_transpose(x, w[:1, :1], stride=2).shape == (1, 14, 14, 4)
    np.testing.assert_allclose(
        autoencoder.conv2d_transpose(x, w, b, 2) - autoencoder.conv2d_transpose(x, w, None, 2),
        np.broadcast_to(b, (1, 15, 15, 4)),
    )
    assert autoencoder.conv_transpose_output_size(7, 3, 2, "same") == 14
    assert autoencoder.conv_transpose_output_size(7, 1, 3, "valid") == 21


@pytest.mark.parametrize("pad", ["same", "valid"])
@pytest.mark.parametrize("s", [1, 2, 3, 4])
def test_conv2d_transpose_matches_keras(s, pad):
    """Keras's Conv2DTranspose over kernels square and not, smaller and larger than the
    stride, on a non-square input, with a random non-zero bias."""
    import keras

    x = RNG.standard_normal((2, 5, 6, 3)).astype(np.float32)
    for k in [(1, 1), (2, 2), (3, 3), (2, 3), (5, 2), (4, 4)]:
        layer = keras.layers.Conv2DTranspose(4, k, strides=s, padding=pad)
        layer.build(x.shape)
        w = RNG.standard_normal(layer.kernel.shape).astype(np.float32)
        b = RNG.standard_normal(4).astype(np.float32)
        layer.set_weights([w, b])
        ref = np.asarray(layer(x))
        ours = autoencoder.conv2d_transpose(x, w, b, s, pad)
        assert ours.shape == ref.shape, (k, s, pad)
        np.testing.assert_allclose(ours, ref, rtol=1e-4, atol=1e-4, err_msg=str(k))


def test_conv2d_transpose_rejects_bad_input():
    x, w = np.zeros((1, 4, 4, 3)), np.zeros((3, 3, 2, 3))
    with pytest.raises(ValueError, match="x must have 4 dimensions"):
        autoencoder.conv2d_transpose(x[0], w)
    with pytest.raises(ValueError, match="expects 3 input channels"):
        autoencoder.conv2d_transpose(np.zeros((1, 4, 4, 2)), w)
    with pytest.raises(ValueError, match="padding must be"):
        autoencoder.conv2d_transpose(x, w, padding="full")
    with pytest.raises(ValueError, match="stride must be a positive integer"):
        autoencoder.conv2d_transpose(x, w, stride=0)
    with pytest.raises(ValueError, match="one value per output channel"):
        autoencoder.conv2d_transpose(x, w, b=np.zeros(3))
    with pytest.raises(ValueError, match="no empty axis"):
        autoencoder.conv2d_transpose(np.zeros((1, 0, 4, 3)), w)


# --- KL divergence --------------------------------------------------------------------------
def _kl_quadrature(m, lv, mp, lvp):
    """KL(N(m, e^lv) || N(mp, e^lvp)) in one dimension by numerical integration."""
    from scipy import integrate, stats

    q = stats.norm(m, np.exp(0.5 * lv))
    p = stats.norm(mp, np.exp(0.5 * lvp))
    lo, hi = q.ppf(1e-13), q.isf(1e-13)
    val, _ = integrate.quad(lambda z: q.pdf(z) * (q.logpdf(z) - p.logpdf(z)), lo, hi,
                            epsabs=1e-13, epsrel=1e-11, limit=200)
    return val


def test_gaussian_kl_matches_quadrature():
    mu, lv = RNG.standard_normal((4, 3)) * 1.5, RNG.uniform(-3, 2, (4, 3))
    mp, lvp = RNG.standard_normal(3), RNG.uniform(-1, 1, 3)
    want = [sum(_kl_quadrature(mu[i, j], lv[i, j], mp[j], lvp[j]) for j in range(3))
            for i in range(4)]
    np.testing.assert_allclose(autoencoder.gaussian_kl(mu, lv, mp, lvp), want, rtol=1e-8)
    # the default is the standard-normal prior
    want0 = [sum(_kl_quadrature(mu[i, j], lv[i, j], 0.0, 0.0) for j in range(3))
             for i in range(4)]
    np.testing.assert_allclose(autoencoder.gaussian_kl(mu, lv), want0, rtol=1e-8)


def test_gaussian_kl_special_cases():
    mu, lv = RNG.standard_normal((5, 3)), RNG.standard_normal((5, 3))
    np.testing.assert_allclose(autoencoder.gaussian_kl(mu, lv, mu, lv), 0.0, atol=1e-12)
    # one dimension: log(s/sigma) + (sigma^2 + (mu-m)^2) / (2 s^2) - 1/2
    got = autoencoder.gaussian_kl([1.0], [np.log(4.0)], [0.0], [0.0])
    assert np.isclose(got, np.log(1 / 2) + (4 + 1) / 2 - 0.5)
    assert np.all(autoencoder.gaussian_kl(mu, lv, 0.3, -0.2) >= 0)


def test_gaussian_kl_rejects_bad_input():
    with pytest.raises(ValueError, match="logvar must broadcast"):
        autoencoder.gaussian_kl(np.zeros((2, 3)), np.zeros((2, 4)))
    with pytest.raises(ValueError, match="mu must have 1 or 2 dimensions"):
        autoencoder.gaussian_kl(np.float64(0.0), 0.0)
    with pytest.raises(ValueError, match="finite"):
        autoencoder.gaussian_kl(np.zeros(2), np.array([0.0, np.inf]))
