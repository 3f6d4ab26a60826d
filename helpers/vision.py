"""Classic image processing from scratch, in NumPy (Chapter 1).

Each function here re-implements something a library already does, because writing it is
the lesson; the notebooks check every one against the library (SciPy, scikit-image,
OpenCV):

- :func:`correlate2d`, :func:`convolve2d` -- 2-D correlation / convolution with the border
  modes of :func:`scipy.ndimage.correlate`;
- :func:`box_kernel`, :func:`gaussian_kernel`, :func:`sobel_kernels` -- classic kernels;
- :func:`gradients` -- Sobel gradients, magnitude and orientation;
- :func:`integral_image`, :func:`box_sum` -- the summed-area table behind SURF and
  Viola-Jones;
- :func:`shift_images`, :func:`rotate_images` -- known transforms of image batches, for
  robustness tests.
"""

from __future__ import annotations

import numpy as np

from helpers.validate import as_array, check_positive_int

#: Border modes accepted by :func:`correlate2d`, named as in :mod:`scipy.ndimage`, and the
#: :func:`numpy.pad` mode that produces each (for a row ``a b c d``).
PAD_MODES = {
    "reflect": "symmetric",  # d c b a | a b c d | d c b a  (edge pixel repeated)
    "mirror": "reflect",  #      d c b | a b c d | c b a      (edge pixel not repeated)
    "nearest": "edge",  #     a a a a | a b c d | d d d d
    "wrap": "wrap",  #        a b c d | a b c d | a b c d
    "constant": "constant",  # k k k k | a b c d | k k k k  (k = cval)
}


def _image(image: object, name: str = "image") -> np.ndarray:
    img = as_array(image, name, ndim=2)
    if min(img.shape) == 0:
        raise ValueError(f"{name} must not be empty, got shape {img.shape}")
    return img.astype(np.float64, copy=False)


def _odd_kernel(kernel: object) -> np.ndarray:
    k = as_array(kernel, "kernel", ndim=2).astype(np.float64, copy=False)
    if k.shape[0] % 2 == 0 or k.shape[1] % 2 == 0:
        raise ValueError(
            f"kernel must have odd height and width (so that it has a centre pixel), got shape {k.shape}"
        )
    return k


def correlate2d(
    image: object, kernel: object, mode: str = "reflect", cval: float = 0.0
) -> np.ndarray:
    """2-D cross-correlation of ``image`` with an odd-sized ``kernel``, output of the same size.

    .. math:: g[i, j] = \\sum_{u=-a}^{a} \\sum_{v=-b}^{b} w[u, v]\\, f[i + u, j + v]

    where the kernel ``w`` (``2a+1`` by ``2b+1``) is indexed from its centre and ``f`` is
    extended beyond its border according to ``mode`` (see :data:`PAD_MODES`; the names and
    meanings are those of :func:`scipy.ndimage.correlate`). Computed in float64.

    Raises ``ValueError`` for an image or kernel that is not 2-D, not finite, a kernel of
    even size, or an unknown ``mode``.
    """
    img = _image(image)
    k = _odd_kernel(kernel)
    if mode not in PAD_MODES:
        raise ValueError(f"mode must be one of {sorted(PAD_MODES)}, got {mode!r}")
    if not np.isfinite(cval):
        raise ValueError(f"cval must be finite, got {cval!r}")
    a, b = k.shape[0] // 2, k.shape[1] // 2
    pad_kw = {"constant_values": cval} if mode == "constant" else {}
    padded = np.pad(img, ((a, a), (b, b)), mode=PAD_MODES[mode], **pad_kw)
    h, w = img.shape
    out = np.zeros((h, w), dtype=np.float64)
    for u in range(k.shape[0]):
        for v in range(k.shape[1]):
            if k[u, v] != 0.0:
                out += k[u, v] * padded[u : u + h, v : v + w]
    return out


def convolve2d(
    image: object, kernel: object, mode: str = "reflect", cval: float = 0.0
) -> np.ndarray:
    """2-D convolution: :func:`correlate2d` with the kernel flipped in both axes.

    .. math:: g[i, j] = \\sum_{u, v} w[u, v]\\, f[i - u, j - v]

    Same arguments and errors as :func:`correlate2d`.
    """
    k = _odd_kernel(kernel)
    return correlate2d(image, k[::-1, ::-1], mode=mode, cval=cval)


def box_kernel(size: int) -> np.ndarray:
    """The ``size`` x ``size`` mean filter (all weights ``1 / size**2``); ``size`` must be odd."""
    n = check_positive_int(size, "size")
    if n % 2 == 0:
        raise ValueError(f"size must be odd, got {n}")
    return np.full((n, n), 1.0 / (n * n))


def gaussian_kernel(sigma: float, truncate: float = 4.0) -> np.ndarray:
    """A normalised 2-D Gaussian kernel, the same one :func:`scipy.ndimage.gaussian_filter` uses.

    The radius is ``int(truncate * sigma + 0.5)``; the weights are
    ``exp(-(u**2 + v**2) / (2 sigma**2))`` divided by their sum, so they add up to 1.
    The kernel is separable: it is the outer product of the 1-D kernel with itself.

    Raises ``ValueError`` unless ``sigma`` and ``truncate`` are finite and positive.
    """
    for name, value in (("sigma", sigma), ("truncate", truncate)):
        if (isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating))
                or not np.isfinite(value) or value <= 0):
            raise ValueError(f"{name} must be a finite positive number, got {value!r}")
    radius = int(truncate * float(sigma) + 0.5)
    x = np.arange(-radius, radius + 1, dtype=np.float64)
    g = np.exp(-0.5 * (x / float(sigma)) ** 2)
    g /= g.sum()
    return np.outer(g, g)


def sobel_kernels() -> tuple[np.ndarray, np.ndarray]:
    """The Sobel kernels ``(kx, ky)`` for *correlation*.

    ``kx`` is the outer product of the smoothing ``[1, 2, 1]`` (down the rows) and the
    central difference ``[-1, 0, 1]`` (along the columns); it responds positively where
    the image grows to the right. ``ky = kx.T`` responds where it grows downwards.
    """
    smooth = np.array([1.0, 2.0, 1.0])
    diff = np.array([-1.0, 0.0, 1.0])
    kx = np.outer(smooth, diff)
    return kx, kx.T.copy()


def gradients(
    image: object, mode: str = "reflect"
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Sobel gradients of a 2-D image: ``(gx, gy, magnitude, orientation)``.

    ``gx`` grows to the right (columns), ``gy`` downwards (rows), both from
    :func:`correlate2d` with :func:`sobel_kernels`; ``magnitude = hypot(gx, gy)`` and
    ``orientation = arctan2(gy, gx)`` in radians, in ``(-pi, pi]``.
    """
    kx, ky = sobel_kernels()
    gx = correlate2d(image, kx, mode=mode)
    gy = correlate2d(image, ky, mode=mode)
    return gx, gy, np.hypot(gx, gy), np.arctan2(gy, gx)


def integral_image(image: object) -> np.ndarray:
    """Summed-area table with a leading row and column of zeros, shape ``(H + 1, W + 1)``.

    ``S[i, j] = sum(image[:i, :j])``, so that the sum over any rectangle takes four
    look-ups (:func:`box_sum`). Integer and boolean images give int64 (exact sums), float
    images float64. This is the layout of :func:`cv2.integral`.
    """
    img = as_array(image, "image", ndim=2)
    dtype = np.float64 if img.dtype.kind == "f" else np.int64
    out = np.zeros((img.shape[0] + 1, img.shape[1] + 1), dtype=dtype)
    np.cumsum(np.cumsum(img, axis=0, dtype=dtype), axis=1, dtype=dtype, out=out[1:, 1:])
    return out


def box_sum(
    table: object, top: object, left: object, bottom: object, right: object
) -> np.ndarray:
    """Sum of ``image[top:bottom, left:right]`` from its :func:`integral_image` ``table``.

    .. math:: S[b, r] - S[t, r] - S[b, l] + S[t, l]

    The corners may be integers or integer arrays of one shape (many boxes at once);
    the result has that shape. Raises ``ValueError`` unless
    ``0 <= top <= bottom <= H`` and ``0 <= left <= right <= W``.
    """
    s = as_array(table, "table", ndim=2)
    corners = [as_array(c, name, kinds="iu") for c, name in
               ((top, "top"), (left, "left"), (bottom, "bottom"), (right, "right"))]
    t, lf, b, r = np.broadcast_arrays(*corners)
    h, w = s.shape[0] - 1, s.shape[1] - 1
    if np.any(t < 0) or np.any(b > h) or np.any(t > b):
        raise ValueError(f"rows must satisfy 0 <= top <= bottom <= {h}, got top={top!r}, bottom={bottom!r}")
    if np.any(lf < 0) or np.any(r > w) or np.any(lf > r):
        raise ValueError(f"columns must satisfy 0 <= left <= right <= {w}, got left={left!r}, right={right!r}")
    return s[b, r] - s[t, r] - s[b, lf] + s[t, lf]


def _batch(images: object) -> np.ndarray:
    imgs = as_array(images, "images", ndim=(3, 4))
    if imgs.ndim == 4:
        if imgs.shape[-1] != 1:
            raise ValueError(f"images must have one channel (N x H x W x 1), got {imgs.shape}")
        imgs = imgs[..., 0]
    return imgs


def shift_images(images: object, dy: int, dx: int) -> np.ndarray:
    """Translate every image of a batch (N x H x W[, 1]) by whole pixels, filling with zeros.

    ``dy > 0`` moves the content down, ``dx > 0`` to the right. Returns the same shape and
    dtype as the input. Raises ``ValueError`` for non-integer shifts or a shift as large as
    the image.
    """
    imgs = as_array(images, "images", ndim=(3, 4))
    _batch(imgs)  # checks the channel axis
    for name, d, size in (("dy", dy, imgs.shape[1]), ("dx", dx, imgs.shape[2])):
        if isinstance(d, bool) or not isinstance(d, (int, np.integer)) or abs(d) >= size:
            raise ValueError(f"{name} must be an integer with |{name}| < {size}, got {d!r}")
    out = np.zeros_like(imgs)
    h, w = imgs.shape[1], imgs.shape[2]
    src_r, dst_r = slice(max(-dy, 0), h - max(dy, 0)), slice(max(dy, 0), h - max(-dy, 0))
    src_c, dst_c = slice(max(-dx, 0), w - max(dx, 0)), slice(max(dx, 0), w - max(-dx, 0))
    out[:, dst_r, dst_c] = imgs[:, src_r, src_c]
    return out


def rotate_images(images: object, angle: float) -> np.ndarray:
    """Rotate every image of a batch (N x H x W[, 1]) by ``angle`` degrees about its centre.

    Counter-clockwise for positive angles, bilinear interpolation, zeros outside, same
    shape (:func:`scipy.ndimage.rotate` with ``reshape=False, order=1``). Returns float64.
    """
    from scipy import ndimage

    imgs = as_array(images, "images", ndim=(3, 4))
    _batch(imgs)
    if (isinstance(angle, bool) or not isinstance(angle, (int, float, np.integer, np.floating))
            or not np.isfinite(angle)):
        raise ValueError(f"angle must be a finite number of degrees, got {angle!r}")
    return ndimage.rotate(
        imgs.astype(np.float64), float(angle), axes=(2, 1), reshape=False, order=1,
        mode="constant", cval=0.0,
    )
