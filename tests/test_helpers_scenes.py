"""Unit tests of helpers.scenes: ground truth, photo regions per split, seeding, bad input.

The digits are synthetic (the module takes digits as arrays): random strokes, and
class-coded rectangles whose ink box is known in advance. Planted one-line bugs these tests
were seen to catch: boxes as (row, col) instead of (x, y), box end inclusive instead of one
past the ink, the mask taken at the box instead of the ink, test scenes cut from the
training rows, the region boundary off so that the regions overlap, the seed ignored, the
label map without the ``1 +`` offset, overlapping digits allowed in detection scenes.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import skimage.data
from scipy import ndimage

from helpers import scenes

RNG = np.random.default_rng(2)


def stroke_digits(n: int = 60, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Random non-convex strokes (unions of bars) in the central 20 x 20 of a 28 x 28 frame:
    value 1 on the stroke, 0.6 one pixel around it (ink at both thresholds), 0.2 on a
    second ring (ink at neither), 0 elsewhere."""
    rng = np.random.default_rng(seed)
    out = np.zeros((n, 28, 28), np.float32)
    for k in range(n):
        core = np.zeros((28, 28), bool)
        for _ in range(rng.integers(1, 4)):
            y, x = rng.integers(6, 19, 2)
            h, w = (rng.integers(2, 9), rng.integers(1, 4)) if rng.random() < 0.5 else (rng.integers(1, 4), rng.integers(2, 9))
            core[y : y + h, x : x + w] = True
        ring1 = ndimage.binary_dilation(core) & ~core
        ring2 = ndimage.binary_dilation(core, iterations=2) & ~core & ~ring1
        out[k] = core + 0.6 * ring1 + 0.2 * ring2
    return out, rng.integers(0, 10, n)


def bar_digits() -> tuple[np.ndarray, np.ndarray]:
    """Digit c is a 16-row, (3 + c)-column block of 1.0 with a one-pixel ring of 0.4."""
    out = np.zeros((10, 28, 28), np.float32)
    for c in range(10):
        out[c, 5:23, 7 : 7 + 5 + c] = 0.4
        out[c, 6:22, 8 : 8 + 3 + c] = 1.0
    return out, np.arange(10)


GENERATORS = {"detection": scenes.detection_scenes, "segmentation": scenes.segmentation_scenes}


def stretched_photo(name: str) -> np.ndarray:
    p = getattr(skimage.data, name)().astype(np.float64)
    return (p - p.min()) / (p.max() - p.min())


def outside_boxes(shape: tuple[int, int], boxes: np.ndarray, margin: int) -> np.ndarray:
    keep = np.ones(shape, bool)
    for x0, y0, x1, y1 in boxes.astype(int):
        keep[max(y0 - margin, 0) : y1 + margin, max(x0 - margin, 0) : x1 + margin] = False
    return keep


# --- photo regions and splits -------------------------------------------------------------
@pytest.mark.parametrize("name", scenes.PHOTOS)
def test_photo_regions_split_each_photograph_without_overlap(name):
    train, test = scenes.photo_region(name, "train"), scenes.photo_region(name, "test")
    assert train.shape == (scenes.TRAIN_ROWS, 512) and test.shape == (512 - scenes.TRAIN_ROWS, 512)
    np.testing.assert_array_equal(np.vstack([train, test]), stretched_photo(name))


@pytest.mark.parametrize("kind", GENERATORS)
@pytest.mark.parametrize("split", scenes.SPLITS)
def test_backgrounds_are_cut_from_the_split_region(kind, split):
    """Each scene's origin lies in its split's rows, and its background pixels are an affine
    map of that crop of the photograph (up to a flip or quarter turn): a generator that cut
    test scenes from the training rows fails one of the two."""
    digits, classes = stroke_digits()
    kw = {"clutter": 0} if kind == "detection" else {}
    s = GENERATORS[kind](digits, classes, 12, split=split, seed=3, noise=0.0, **kw)
    rows = (0, scenes.TRAIN_ROWS) if split == "train" else (scenes.TRAIN_ROWS, 512)
    assert len(set(s.origins[:, 0])) > 1
    for i, (k, r, c, side) in enumerate(s.origins):
        assert rows[0] <= r and r + side <= rows[1]
        crop = stretched_photo(scenes.PHOTOS[k])[r : r + side, c : c + side]
        if side != s.images.shape[1]:
            crop = cv2.resize(crop, s.images.shape[1:], interpolation=cv2.INTER_AREA)
        img = s.images[i].astype(np.float64)
        use = outside_boxes(img.shape, s.of(i)[0], margin=6) & (img > 0) & (img < 1)
        assert use.sum() > 1000
        best = np.inf
        for t in range(8):  # the eight flips and quarter turns
            cand = np.rot90(crop if t < 4 else crop[:, ::-1], t % 4)
            a = np.c_[np.ones(use.sum()), cand[use]]
            coef = np.linalg.lstsq(a, img[use], rcond=None)[0]
            best = min(best, np.abs(a @ coef - img[use]).max())
        assert best < 1e-5, (i, best)


def test_train_and_test_scenes_differ_for_the_same_seed():
    digits, classes = stroke_digits()
    a = scenes.detection_scenes(digits, classes, 4, split="train", seed=0)
    b = scenes.detection_scenes(digits, classes, 4, split="test", seed=0)
    assert not np.array_equal(a.images, b.images)
    assert (a.origins[:, 1] < scenes.TRAIN_ROWS).all() and (b.origins[:, 1] >= scenes.TRAIN_ROWS).all()


# --- ground truth -------------------------------------------------------------------------
@pytest.mark.parametrize("kind", GENERATORS)
def test_boxes_enclose_exactly_the_ink(kind):
    digits, classes = stroke_digits()
    s = GENERATORS[kind](digits, classes, 40, split="train", seed=5)
    assert s.boxes.dtype == np.float32 and len(s.boxes) == len(s.classes) == len(s.scene_index)
    np.testing.assert_array_equal(s.masks, s.labels > 0)
    for i in range(len(s.images)):
        boxes, cls = s.of(i)
        assert 1 <= len(boxes) <= (4 if kind == "detection" else 3)
        assert not (s.masks[i] & outside_boxes(s.masks[i].shape, boxes, 0)).any()
        for (x0, y0, x1, y1), c in zip(boxes.astype(int), cls, strict=True):
            inside = s.masks[i, y0:y1, x0:x1]  # rows are y, columns x
            assert inside[0].any() and inside[-1].any() and inside[:, 0].any() and inside[:, -1].any()
            if kind == "detection":  # ink boxes do not overlap: the box holds one digit's ink
                np.testing.assert_array_equal(s.labels[i, y0:y1, x0:x1][inside], 1 + c)
    if kind == "detection":
        for i in range(len(s.images)):
            b = s.of(i)[0]
            w = np.minimum(b[:, None, 2], b[None, :, 2]) - np.maximum(b[:, None, 0], b[None, :, 0])
            h = np.minimum(b[:, None, 3], b[None, :, 3]) - np.maximum(b[:, None, 1], b[None, :, 1])
            overlap = (w > 0) & (h > 0)
            assert overlap.sum() == len(b)  # each box with itself only
        side = s.boxes[:, 2:] - s.boxes[:, :2]
        assert side.max() <= 40 and s.images.shape == (40, 96, 96)
    else:
        assert s.images.shape == (40, 64, 64)


def test_masks_labels_and_pixels_match_the_composited_digits():
    """Class-coded bars at native size: the ink box of digit c is 3 + c wide and 16 tall, the
    label map is the boxes painted in drawing order, and every visible ink pixel has its
    digit's ink level exactly (no noise; the 0.4 ring is below the 0.5 threshold)."""
    digits, classes = bar_digits()
    s = scenes.segmentation_scenes(digits, classes, 30, split="test", seed=7, noise=0.0,
                                   n_digits=(2, 4))
    np.testing.assert_array_equal(s.boxes[:, 2] - s.boxes[:, 0], 3 + s.classes)
    np.testing.assert_array_equal(s.boxes[:, 3] - s.boxes[:, 1], 16)
    overlaps = 0
    for i in range(len(s.images)):
        painted = np.zeros((64, 64), np.uint8)
        owner = np.full((64, 64), -1)  # the last digit drawn there, ring included
        for n, ((x0, y0, x1, y1), c) in enumerate(zip(*(a.astype(int) for a in s.of(i)), strict=True)):
            overlaps += int((painted[y0:y1, x0:x1] > 0).any())
            painted[y0:y1, x0:x1] = 1 + c
            owner[y0:y1, x0:x1] = n
            owner[y0 - 1, x0 - 1 : x1 + 1] = owner[y1, x0 - 1 : x1 + 1] = n
            owner[y0 - 1 : y1 + 1, x0 - 1] = owner[y0 - 1 : y1 + 1, x1] = n
        np.testing.assert_array_equal(s.labels[i], painted)
        np.testing.assert_array_equal(s.masks[i], painted > 0)
        for n, (x0, y0, x1, y1) in enumerate(s.of(i)[0].astype(int)):
            vals = s.images[i, y0:y1, x0:x1][owner[y0:y1, x0:x1] == n]  # n's visible core
            assert len(vals) == 0 or (np.ptp(vals) == 0 and 0.7 <= vals[0] <= 1.0)
    assert overlaps > 0  # overlaps are allowed and happen


def test_detection_boxes_of_resized_bars_scale_with_the_digit():
    digits, classes = bar_digits()
    s = scenes.detection_scenes(digits, classes, 30, split="train", seed=1, noise=0.0)
    w, h = (s.boxes[:, 2] - s.boxes[:, 0]), (s.boxes[:, 3] - s.boxes[:, 1])
    assert (h > w).all()  # every bar is taller than wide: x and y are not swapped
    assert h.min() >= 20 * 16 / 28 - 1 and h.max() <= 40 * 18 / 28 + 2


def test_hard_variant_puts_the_ink_inside_the_background_range():
    digits, classes = bar_digits()
    inside = darker = total = 0
    for variant in ("easy", "hard"):
        s = scenes.segmentation_scenes(digits, classes, 40, split="train", seed=2, noise=0.0,
                                       variant=variant)
        for i in range(len(s.images)):
            bg = s.images[i][outside_boxes((64, 64), s.of(i)[0], 2)]
            lo, hi = np.quantile(bg, [0.01, 0.99])
            for x0, y0, _, _ in s.of(i)[0].astype(int):
                v = s.images[i, y0 + 8, x0]  # a pixel of the bar's core (may be overdrawn)
                if variant == "easy":
                    assert v >= 0.7 or s.labels[i, y0 + 8, x0] != s.labels[i, y0 + 8, x0 - 1]
                    continue
                total += 1
                inside += int(lo <= v <= hi)
                darker += int(v < np.median(bg))
    assert inside / total > 0.7 and 0.2 < darker / total < 0.8


# --- seeding ------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", GENERATORS)
def test_same_seed_same_scenes_other_seed_other_scenes(kind):
    digits, classes = stroke_digits()
    a = GENERATORS[kind](digits, classes, 5, split="train", seed=11)
    b = GENERATORS[kind](digits, classes, 5, split="train", seed=11)
    c = GENERATORS[kind](digits, classes, 5, split="train", seed=12)
    for field in ("images", "masks", "labels", "boxes", "classes", "scene_index", "origins"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field))
    assert not np.array_equal(a.images, c.images) and not np.array_equal(a.origins, c.origins)


def test_uint8_and_channel_axis_digits_are_accepted():
    digits, classes = stroke_digits(20)
    a = scenes.detection_scenes(digits, classes, 3, split="test", seed=0)
    u8 = np.round(digits * 255).astype(np.uint8)[..., None]
    b = scenes.detection_scenes(u8, classes, 3, split="test", seed=0)
    np.testing.assert_allclose(a.images, b.images, atol=1e-6)
    assert a.images.dtype == np.float32 and 0 <= a.images.min() and a.images.max() <= 1


# --- bad input ----------------------------------------------------------------------------
D, C = stroke_digits(5)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: scenes.detection_scenes(D, C, 2, split="val", seed=0), "split must be one of"),
        (lambda: scenes.detection_scenes(D, C, 2, split="train", seed=-1), "seed must be a non-negative"),
        (lambda: scenes.detection_scenes(D, C, 0, split="train", seed=0), "n must be a positive"),
        (lambda: scenes.detection_scenes(D[:, :20], C, 2, split="train", seed=0), "square images"),
        (lambda: scenes.detection_scenes(D * 2, C, 2, split="train", seed=0), r"floats in \[0, 1\]"),
        (lambda: scenes.detection_scenes(D, C[:3], 2, split="train", seed=0), "classes must be 5 integers"),
        (lambda: scenes.detection_scenes(D, C * 0.5, 2, split="train", seed=0), "classes must have a numeric dtype"),
        (lambda: scenes.detection_scenes(D, C, 2, split="train", seed=0, digit_size=(30, 20)), "low <= high"),
        (lambda: scenes.detection_scenes(D, C, 2, split="train", seed=0, digit_size=(20, 100)), r"digit_size must lie in \[8, 96\]"),
        (lambda: scenes.detection_scenes(D, C, 2, split="train", seed=0, crop_size=(72, 300)), "crop_size must lie in"),
        (lambda: scenes.detection_scenes(D, C, 2, split="train", seed=0, fragment_size=(8, 24)), "fragment_size must lie in"),
        (lambda: scenes.detection_scenes(D, C, 2, split="train", seed=0, clutter=-1), "clutter must be"),
        (lambda: scenes.detection_scenes(D, C, 2, split="train", seed=0, noise=-0.1), "noise must lie in"),
        (lambda: scenes.segmentation_scenes(D, C, 2, split="train", seed=0, variant="x"), "variant must be"),
        (lambda: scenes.segmentation_scenes(D, C, 2, split="train", seed=0, size=20), "size must lie in"),
        (lambda: scenes.segmentation_scenes(D, C, 2, split="train", seed=0, threshold=1.0), "threshold must lie in"),
        (lambda: scenes.segmentation_scenes(D, C, 2, split="train", seed=0, n_digits=(1.0, 3)), "pair of integers"),
        (lambda: scenes.photo_region("camera", "train"), "name must be one of"),
    ],
)
def test_scenes_reject_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()
