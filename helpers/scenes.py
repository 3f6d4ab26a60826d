"""Cluttered digit scenes: real MNIST digits on crops of real texture photographs.

The scenes of the detection (Chapter 2) and segmentation (Chapter 4) notebooks. The caller
passes the digits (e.g. from :func:`helpers.data.load_mnist`) and says which split they come
from; the generator takes the background from that split's own region of three texture
photographs of :mod:`skimage.data` (``brick``, ``grass``, ``gravel``; 512 x 512): rows
``0 .. TRAIN_ROWS - 1`` for ``split="train"``, rows ``TRAIN_ROWS .. 511`` for
``split="test"``. Training and test scenes thus share neither digits nor texture pixels,
provided the caller passes MNIST's training digits with ``"train"`` and its test digits
with ``"test"``.

Each digit is alpha-composited with its own grey values as alpha,
``canvas = canvas (1 - d) + v d`` (``d`` in [0, 1], ``v`` the ink level). Its *ink* is the
set of its pixels with ``d > threshold``; the ground truth is built from the ink:

- ``boxes``: the ink's bounding box ``(x0, y0, x1, y1)``, ``x`` across the columns, ``y`` down
  the rows, ``x1``/``y1`` one past the last ink pixel (width ``x1 - x0``; the convention of
  :mod:`helpers.detection`);
- ``masks``: the union of the digits' ink;
- ``labels``: 0 for background, ``1 + class`` on a digit's ink (a later digit paints over an
  earlier one where they overlap).

:func:`detection_scenes` and :func:`segmentation_scenes` have the settings of the two
calibrations as defaults; both return a :class:`Scenes`. A scene costs about 0.8 ms
(detection, 96 x 96) or 0.4 ms (segmentation, 64 x 64) of one CPU thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from helpers.validate import as_array, check_positive_int

#: The texture photographs of :mod:`skimage.data` the backgrounds are cut from.
PHOTOS = ("brick", "grass", "gravel")
#: Rows ``[0, TRAIN_ROWS)`` of each photograph are for training scenes, the rest for test scenes.
TRAIN_ROWS = 320
SPLITS = ("train", "test")


@dataclass(frozen=True)
class Scenes:
    """A batch of N scenes of S x S pixels and their M digits (NumPy arrays).

    - ``images``: N x S x S float32 in [0, 1];
    - ``masks``: N x S x S bool, the digits' ink;
    - ``labels``: N x S x S uint8, 0 background, ``1 + class`` on a digit's ink (11 labels);
    - ``boxes``: M x 4 float32 ink boxes ``(x0, y0, x1, y1)``, in the order the digits
      were drawn;
    - ``classes``: M int64 digit classes;
    - ``scene_index``: M int64, the scene each box belongs to;
    - ``origins``: N x 4 int64, the index into :data:`PHOTOS`, the top row and left column
      of the crop in the full photograph, and the side of the (square) crop.
    """

    images: np.ndarray
    masks: np.ndarray
    labels: np.ndarray
    boxes: np.ndarray
    classes: np.ndarray
    scene_index: np.ndarray
    origins: np.ndarray

    def of(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """Boxes (k x 4) and classes (k,) of scene ``i``."""
        sel = self.scene_index == i
        return self.boxes[sel], self.classes[sel]


@cache
def _photo(name: str) -> np.ndarray:
    import skimage.data

    p = getattr(skimage.data, name)().astype(np.float64)
    p = (p - p.min()) / (p.max() - p.min())  # contrast-stretched once, to [0, 1]
    p.flags.writeable = False
    return p


def photo_region(name: str, split: str) -> np.ndarray:
    """The rows of photograph ``name`` reserved for ``split``, stretched to [0, 1] (a copy).

    The whole photograph is contrast-stretched once (its minimum to 0, maximum to 1);
    ``"train"`` gets rows ``[0, TRAIN_ROWS)``, ``"test"`` rows ``[TRAIN_ROWS, 512)``.
    """
    if name not in PHOTOS:
        raise ValueError(f"name must be one of {PHOTOS}, got {name!r}")
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    return _region(name, split).copy()


def _region(name: str, split: str) -> np.ndarray:
    """The split's rows of the stretched photograph (a read-only view)."""
    p = _photo(name)
    return p[:TRAIN_ROWS] if split == "train" else p[TRAIN_ROWS:]


def _range(value: object, name: str, low: float, high: float, integer: bool = False) -> tuple:
    if not isinstance(value, (tuple, list)) or len(value) != 2 or not value[0] <= value[1]:
        raise ValueError(f"{name} must be a pair (low, high) with low <= high, got {value!r}")
    if integer and not all(isinstance(v, (int, np.integer)) for v in value):
        raise ValueError(f"{name} must be a pair of integers, got {value!r}")
    if value[0] < low or value[1] > high:
        raise ValueError(f"{name} must lie in [{low}, {high}], got {value!r}")
    return tuple(value)


def _digits(digits: object, classes: object) -> tuple[np.ndarray, np.ndarray]:
    d = as_array(digits, "digits", ndim=(3, 4))
    if d.ndim == 4:
        if d.shape[-1] != 1:
            raise ValueError(f"digits must be N x H x W or N x H x W x 1, got shape {d.shape}")
        d = d[..., 0]
    if d.shape[0] == 0 or d.shape[1] != d.shape[2] or d.shape[1] < 12:
        raise ValueError(f"digits must be a non-empty stack of square images (>= 12 px), got {d.shape}")
    if d.dtype == np.uint8:
        d = d.astype(np.float32) / np.float32(255)
    elif d.dtype.kind != "f" or d.min() < 0 or d.max() > 1:
        raise ValueError("digits must be uint8, or floats in [0, 1]")
    c = as_array(classes, "classes", ndim=1, kinds="iu")
    if len(c) != len(d) or c.min() < 0 or c.max() > 254:
        raise ValueError(f"classes must be {len(d)} integers in [0, 254], got {len(c)} in "
                         f"[{c.min()}, {c.max()}]")
    return d.astype(np.float32), c.astype(np.int64)


def _common(n: object, split: str, seed: object, noise: float, threshold: float) -> int:
    n = check_positive_int(n, "n")
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    if not 0 <= noise <= 0.5:
        raise ValueError(f"noise must lie in [0, 0.5], got {noise!r}")
    if not 0 < threshold < 1:
        raise ValueError(f"threshold must lie in (0, 1), got {threshold!r}")
    return n


def _crop(rng: np.random.Generator, split: str, side: int) -> tuple[np.ndarray, list[int]]:
    """A random side x side crop of the split's region of a random photograph, and its origin."""
    k = int(rng.integers(len(PHOTOS)))
    region = _region(PHOTOS[k], split)
    r = int(rng.integers(region.shape[0] - side + 1))
    c = int(rng.integers(region.shape[1] - side + 1))
    offset = 0 if split == "train" else TRAIN_ROWS
    return region[r : r + side, c : c + side], [k, offset + r, c, side]


def _paste(canvas: np.ndarray, d: np.ndarray, y: int, x: int, v: float) -> None:
    """Alpha-composite ``d`` (values in [0, 1]) at (row y, column x) with ink level ``v``."""
    h, w = d.shape
    win = canvas[y : y + h, x : x + w]
    canvas[y : y + h, x : x + w] = win * (1 - d) + v * d


def _ink_box(ink: np.ndarray, y: int, x: int) -> np.ndarray:
    rows, cols = np.nonzero(ink)
    return np.array([x + cols.min(), y + rows.min(), x + cols.max() + 1, y + rows.max() + 1], np.float32)


def _generate(
    digits: np.ndarray, classes: np.ndarray, n: int, split: str, seed: int, tag: int, *,
    size: int, background, n_digits: tuple, digit_size: tuple, overlap: bool, clutter: int,
    fragment_size: tuple, ink, noise: float, threshold: float,
) -> Scenes:
    import cv2

    rng = np.random.default_rng([seed, SPLITS.index(split), tag])
    native = digits.shape[1]
    images = np.empty((n, size, size), np.float32)
    masks = np.zeros((n, size, size), bool)
    labels = np.zeros((n, size, size), np.uint8)
    origins = np.empty((n, 4), np.int64)
    boxes, cls, where = [], [], []
    for i in range(n):
        canvas, origins[i], level, contrast = background(rng, split, size)
        for _ in range(clutter):  # fragments of other digits, not ground truth
            f = int(rng.integers(fragment_size[0], fragment_size[1] + 1))
            j = int(rng.integers(len(digits)))
            oy, ox = rng.integers(4, native - 4 - f + 1, size=2)
            y, x = rng.integers(0, size - f + 1, size=2)
            _paste(canvas, digits[j, oy : oy + f, ox : ox + f], y, x, rng.uniform(*ink))
        want, placed, tries = int(rng.integers(n_digits[0], n_digits[1] + 1)), [], 0
        while len(placed) < want and tries < 20 * want:
            tries += 1
            j, s = int(rng.integers(len(digits))), int(rng.integers(digit_size[0], digit_size[1] + 1))
            d = digits[j] if s == native else cv2.resize(digits[j], (s, s), interpolation=cv2.INTER_LINEAR)
            y, x = (int(t) for t in rng.integers(0, size - s + 1, size=2))
            ink_j = d > threshold
            if not ink_j.any():
                continue
            box = _ink_box(ink_j, y, x)
            if not overlap and any(_intersect(box, b) for b in placed):
                continue
            if ink is None:  # "hard": inside the background's own range, either polarity
                v = level + contrast * rng.choice((-1.0, 1.0)) * rng.uniform(0.75, 2.0)
            else:
                v = rng.uniform(*ink)
            _paste(canvas, d, y, x, v)
            masks[i, y : y + s, x : x + s] |= ink_j
            labels[i, y : y + s, x : x + s][ink_j] = 1 + classes[j]
            placed.append(box)
            cls.append(classes[j])
        boxes += placed
        where += [i] * len(placed)
        canvas += rng.normal(0.0, noise, canvas.shape) if noise else 0.0
        images[i] = np.clip(canvas, 0, 1)
    return Scenes(images, masks, labels, np.array(boxes, np.float32).reshape(-1, 4),
                  np.array(cls, np.int64), np.array(where, np.int64), origins)


def _intersect(a: np.ndarray, b: np.ndarray) -> bool:
    return bool(min(a[2], b[2]) > max(a[0], b[0]) and min(a[3], b[3]) > max(a[1], b[1]))


def detection_scenes(
    digits: object, classes: object, n: int, *, split: str, seed: int, size: int = 96,
    n_digits: tuple[int, int] = (1, 4), digit_size: tuple[int, int] = (20, 40),
    crop_size: tuple[int, int] = (72, 160), clutter: int = 2,
    fragment_size: tuple[int, int] = (8, 12), ink: tuple[float, float] = (0.75, 1.0),
    noise: float = 0.03, threshold: float = 0.3,
) -> Scenes:
    """Scenes for detection: 1-4 resized digits whose ink boxes do not overlap, and clutter.

    Per scene: a square crop of ``crop_size`` pixels of a random photograph (the split's
    region), resized to ``size`` (``cv2.INTER_AREA``), flipped left-right at random, mapped
    to ``lo + c t`` with ``lo ~ U(0, 0.25)`` and ``c ~ U(0.25, 0.5)``; ``clutter`` fragments
    (squares of ``fragment_size`` pixels cut from the inner part of random digits) composited
    anywhere; then ``n_digits`` digits, each resized (``cv2.INTER_LINEAR``) to a random side
    in ``digit_size`` and placed where its ink box overlaps no earlier one (a scene may get
    fewer digits if 20 tries per digit do not find room), ink level ``v ~ U(ink)``;
    Gaussian noise of standard deviation ``noise``, clipped to [0, 1]. The ground truth uses
    ``threshold`` (0.3) on the resized digit.

    Parameters
    ----------
    digits, classes
        N x H x H (or N x H x H x 1) digits, uint8 or floats in [0, 1], and their N classes,
        all from one MNIST split.
    n
        Number of scenes.
    split
        ``"train"`` or ``"test"``: the split the digits come from; chooses the photo region.
    seed
        Non-negative integer; the same (seed, split, arguments) give the same scenes.

    Raises
    ------
    ValueError
        For a bad split, seed, count, range, or digits that are not square images in [0, 1].
    """
    d, c = _digits(digits, classes)
    n = _common(n, split, seed, noise, threshold)
    size = check_positive_int(size, "size")
    n_digits = _range(n_digits, "n_digits", 1, 20, integer=True)
    digit_size = _range(digit_size, "digit_size", 8, size, integer=True)
    crop_size = _range(crop_size, "crop_size", 8, 512 - TRAIN_ROWS, integer=True)
    fragment_size = _range(fragment_size, "fragment_size", 1, d.shape[1] - 8, integer=True)
    ink = _range(ink, "ink", 0, 1)
    if not isinstance(clutter, (int, np.integer)) or clutter < 0:
        raise ValueError(f"clutter must be a non-negative integer, got {clutter!r}")

    def background(rng: np.random.Generator, split: str, size: int):
        import cv2

        side = int(rng.integers(crop_size[0], crop_size[1] + 1))
        crop, origin = _crop(rng, split, side)
        t = cv2.resize(crop, (size, size), interpolation=cv2.INTER_AREA)
        t = t[:, ::-1] if rng.random() < 0.5 else t
        lo, contrast = rng.uniform(0, 0.25), rng.uniform(0.25, 0.5)
        return lo + contrast * t, origin, lo, contrast

    return _generate(d, c, n, split, seed, 1, size=size, background=background,
                     n_digits=n_digits, digit_size=digit_size, overlap=False, clutter=clutter,
                     fragment_size=fragment_size, ink=ink, noise=noise, threshold=threshold)


def segmentation_scenes(
    digits: object, classes: object, n: int, *, split: str, seed: int, size: int = 64,
    n_digits: tuple[int, int] = (1, 3), variant: str = "easy",
    level: tuple[float, float] = (0.25, 0.55), contrast: tuple[float, float] = (0.05, 0.18),
    noise: float = 0.02, threshold: float = 0.5,
) -> Scenes:
    """Scenes for segmentation: 1-3 digits at native size, overlaps allowed, no clutter.

    Per scene: a ``size`` x ``size`` crop of a random photograph (the split's region), turned
    by a random multiple of 90° and flipped at random, standardised (zero mean, unit
    standard deviation) and mapped to ``m + s z`` with level ``m ~ U(level)`` and contrast
    ``s ~ U(contrast)``; then ``n_digits`` digits at random positions (they may overlap),
    with ink level ``v ~ U(0.7, 1.0)`` (``variant="easy"``: mostly brighter than the
    texture) or ``v = m ± U(0.75, 2.0) s`` with a random sign (``"hard"``: inside the
    background's own grey-level range, darker or brighter); Gaussian noise of standard
    deviation ``noise``, clipped to [0, 1]. The mask is ``digit > threshold`` (0.5).

    Parameters are as in :func:`detection_scenes`; ``digits`` must fit in ``size``.
    """
    d, c = _digits(digits, classes)
    n = _common(n, split, seed, noise, threshold)
    size = check_positive_int(size, "size")
    if size < d.shape[1] or size > 512 - TRAIN_ROWS:
        raise ValueError(f"size must lie in [{d.shape[1]} (the digits' side), "
                         f"{512 - TRAIN_ROWS}], got {size}")
    n_digits = _range(n_digits, "n_digits", 1, 20, integer=True)
    level, contrast = _range(level, "level", 0, 1), _range(contrast, "contrast", 0, 1)
    if variant not in ("easy", "hard"):
        raise ValueError(f"variant must be 'easy' or 'hard', got {variant!r}")

    def background(rng: np.random.Generator, split: str, size: int):
        crop, origin = _crop(rng, split, size)
        crop = np.rot90(crop, int(rng.integers(4)))
        crop = crop[:, ::-1] if rng.random() < 0.5 else crop
        z = (crop - crop.mean()) / (crop.std() + 1e-6)
        m, s = rng.uniform(*level), rng.uniform(*contrast)
        return m + s * z, origin, m, s

    side = d.shape[1]
    return _generate(d, c, n, split, seed, 2, size=size, background=background,
                     n_digits=n_digits, digit_size=(side, side), overlap=True, clutter=0,
                     fragment_size=(1, 1), ink=(0.7, 1.0) if variant == "easy" else None,
                     noise=noise, threshold=threshold)
