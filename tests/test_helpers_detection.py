"""Unit tests of helpers.detection against pixel counts, tf.image.non_max_suppression and COCOeval.

Planted one-line bugs these tests were seen to catch: IoU with ``+ 1`` in the areas (off by
one pixel), NMS sorting by increasing score (keeping the lower score), NMS suppressing at
``>=`` instead of ``>``, AP read from the raw precision instead of its envelope (no
interpolation), matching at ``>`` instead of ``>=`` the threshold, a detection matching its
best ground truth even when that one is taken, a ground truth matched twice, ignoring
``max_dets`` or the score order within an image, recall divided by ``n + 1``.
"""

from __future__ import annotations

import numpy as np
import pytest

from helpers import detection as det

RNG = np.random.default_rng(29)


def random_boxes(rng: np.random.Generator, n: int, size: int = 40, integer: bool = False) -> np.ndarray:
    x0 = rng.uniform(0, size - 2, n)
    y0 = rng.uniform(0, size - 2, n)
    w = rng.uniform(1, 0.6 * size, n)
    h = rng.uniform(1, 0.4 * size, n)  # not square on average: x and y play different roles
    b = np.stack([x0, y0, np.minimum(x0 + w, size), np.minimum(y0 + h, size)], 1)
    return np.floor(b) if integer else b


# --- IoU ----------------------------------------------------------------------------------
def test_box_iou_equals_a_pixel_count():
    a = random_boxes(RNG, 25, 30, integer=True)
    b = random_boxes(RNG, 17, 30, integer=True)
    b[:3] = a[:3]  # identical boxes: IoU 1
    a = a[(a[:, 2] > a[:, 0]) & (a[:, 3] > a[:, 1])]
    b = b[(b[:, 2] > b[:, 0]) & (b[:, 3] > b[:, 1])]

    def paint(box):
        m = np.zeros((30, 30), bool)  # rows = y, columns = x
        m[int(box[1]):int(box[3]), int(box[0]):int(box[2])] = True
        return m

    want = np.array([[(paint(p) & paint(q)).sum() / (paint(p) | paint(q)).sum() for q in b] for p in a])
    got = det.box_iou(a, b)
    assert got.shape == (len(a), len(b))
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)
    assert (want > 0).mean() > 0.1 and (want == 0).any()  # the test covers both cases


def test_box_iou_of_degenerate_boxes_is_zero_and_symmetric():
    a = random_boxes(RNG, 6)
    np.testing.assert_allclose(det.box_iou(a, a[::-1]), det.box_iou(a[::-1], a).T, atol=1e-15)
    assert det.box_iou([2, 2, 2, 2], [2, 2, 2, 2])[0, 0] == 0.0
    assert det.box_iou([0, 0, 10, 10], [0, 0, 5, 10])[0, 0] == 0.5


# --- NMS ----------------------------------------------------------------------------------
@pytest.mark.parametrize("thr", [0.3, 0.5, 0.7])
def test_nms_equals_tensorflow(thr):
    tf = pytest.importorskip("tensorflow")
    mismatches = suppressed = 0
    for trial in range(20):
        rng = np.random.default_rng(trial)
        b = random_boxes(rng, 100, 40).astype(np.float32)
        s = rng.random(100).astype(np.float32)
        # TensorFlow takes boxes as (y0, x0, y1, x1)
        want = tf.image.non_max_suppression(b[:, [1, 0, 3, 2]], s, 100, thr).numpy()
        got = det.nms(b, s, thr)
        mismatches += int(len(got) != len(want) or not np.array_equal(got, want))
        suppressed += 100 - len(got)
    assert mismatches == 0 and suppressed > 20


def test_nms_keeps_the_higher_score_and_stops_at_max_output():
    b = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [30, 30, 40, 40]], float)
    np.testing.assert_array_equal(det.nms(b, [0.2, 0.9, 0.5], 0.5), [1, 2])
    np.testing.assert_array_equal(det.nms(b, [0.2, 0.9, 0.5], 0.5, max_output=1), [1])
    # IoU exactly at the threshold is kept (suppression needs IoU > threshold, as in TF)
    np.testing.assert_array_equal(det.nms([[0, 0, 2, 1], [0, 0, 1, 1]], [0.9, 0.8], 0.5), [0, 1])


# --- matching, precision-recall, AP -------------------------------------------------------
def test_match_is_greedy_by_score_and_one_to_one():
    gt = np.array([[0, 0, 10, 10], [20, 0, 30, 10]], float)
    d = np.array([[0, 0, 10, 9], [0, 0, 10, 10], [21, 0, 30, 10], [50, 50, 60, 60]], float)
    matched, order = det.match(d, [0.5, 0.9, 0.8, 0.7], gt, 0.5)
    np.testing.assert_array_equal(order, [1, 2, 3, 0])
    np.testing.assert_array_equal(matched, [-1, 0, 1, -1])  # the lower-scored duplicate is a FP
    assert det.match(d[:1], [1.0], gt, 0.9)[0][0] == 0  # IoU 0.9 >= 0.9 matches
    # the best ground truth is taken: the next best one above the threshold is matched
    gt2 = np.array([[0, 0, 10, 10], [2, 0, 12, 10]], float)
    d2 = np.array([[0, 0, 10, 10], [0.5, 0, 10.5, 10]])
    np.testing.assert_array_equal(det.match(d2, [0.9, 0.8], gt2, 0.5)[0], [0, 1])
    np.testing.assert_array_equal(det.match(d2, [0.9, 0.8], gt2, 0.8)[0], [0, -1])
    assert det.match(d[:1], [1.0], gt, 0.95)[0][0] == -1


def test_interpolated_ap_by_hand():
    # TP, FP, TP with 2 ground truths: precision 1, 1/2, 2/3 at recall 1/2, 1/2, 1
    p, r = det.precision_recall([0.9, 0.8, 0.7], [True, False, True], 2)
    np.testing.assert_allclose(p, [1, 0.5, 2 / 3], atol=1e-12)
    np.testing.assert_allclose(r, [0.5, 0.5, 1.0])
    # envelope: 1 up to recall 0.5 (51 levels), 2/3 from 0.51 to 1 (50 levels)
    assert det.interpolated_ap(p, r) == pytest.approx((51 * 1 + 50 * (2 / 3)) / 101, abs=1e-12)
    assert det.interpolated_ap([1.0], [0.3]) == pytest.approx(31 / 101)
    assert det.interpolated_ap([], []) == 0.0


def random_detections(seed: int, n_images: int = 25, n_classes: int = 5):
    """Ground truth on n_images, and detections: jittered copies (some misclassified, some
    duplicated), random false positives, scores loosely tied to quality; class 4 has
    detections but no ground truth, class 3 ground truth but no detections."""
    rng = np.random.default_rng(seed)
    gb, gc, gi, db, ds, dc, di = [], [], [], [], [], [], []
    for img in range(n_images):
        k = rng.integers(0, 6)
        boxes = random_boxes(rng, k, 96)
        cls = rng.integers(0, 4, k)
        gb += list(boxes)
        gc += list(cls)
        gi += [img] * k
        for box, c in zip(boxes, cls, strict=True):
            for _ in range(rng.integers(0, 3)):
                jit = rng.normal(0, rng.choice([0.5, 2.0, 5.0]), 4)
                x0, y0, x1, y1 = box + jit
                d = [min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)]
                dcls = c if rng.random() < 0.8 else rng.integers(0, n_classes)
                if dcls == 3:
                    dcls = 2
                db.append(d)
                dc.append(dcls)
                di.append(img)
                ds.append(np.clip(1 - np.abs(jit).mean() / 6 + rng.normal(0, 0.2), 0.001, 1))
        for _ in range(rng.integers(0, 4)):
            db.append(random_boxes(rng, 1, 96)[0])
            dc.append(rng.choice([0, 1, 2, 4]))
            di.append(img)
            ds.append(rng.uniform(0, 0.8))
    gt = (np.array(gb).reshape(-1, 4), np.array(gc, int), np.array(gi, int))
    dt = (np.array(db).reshape(-1, 4), np.array(ds), np.array(dc, int), np.array(di, int))
    return gt, dt


def plain_cocoeval(gt, dt, n_images):
    """COCOeval as its README uses it (default parameters, summarize): stats[0:3]."""
    import contextlib
    import io

    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    (gb, gc, gi), (db, ds, dc, di) = gt, dt
    coco = COCO()
    coco.dataset = {
        "images": [{"id": i} for i in range(n_images)],
        "categories": [{"id": c} for c in range(1, 6)],
        "annotations": [
            {"id": n + 1, "image_id": int(i), "category_id": int(c) + 1, "iscrowd": 0,
             "bbox": [b[0], b[1], b[2] - b[0], b[3] - b[1]], "area": (b[2] - b[0]) * (b[3] - b[1])}
            for n, (b, c, i) in enumerate(zip(gb, gc, gi, strict=True))],
    }
    res = [{"image_id": int(i), "category_id": int(c) + 1, "score": float(s),
            "bbox": [b[0], b[1], b[2] - b[0], b[3] - b[1]]} for b, s, c, i in zip(db, ds, dc, di, strict=True)]
    with contextlib.redirect_stdout(io.StringIO()):
        coco.createIndex()
        ev = COCOeval(coco, coco.loadRes(res), "bbox")
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return dict(zip(("AP", "AP50", "AP75"), ev.stats[:3], strict=True))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_coco_ap_equals_cocoeval(seed):
    pytest.importorskip("pycocotools")
    gt, dt = random_detections(seed)
    ours = det.coco_ap(*gt, *dt)
    ref = plain_cocoeval(gt, dt, n_images=25)
    for key in ("AP", "AP50", "AP75"):
        assert abs(ours[key] - ref[key]) <= 1e-6, (key, ours[key], ref[key])
        assert abs(det.cocoeval_stats(*gt, *dt, n_images=25)[key] - ref[key]) <= 1e-12
    assert 0.05 < ours["AP"] < ours["AP50"] < 0.95  # non-trivial detections
    table, classes = det.ap_table(*gt, *dt)
    np.testing.assert_array_equal(classes, [0, 1, 2, 3, 4])
    assert np.isnan(table[:, 4]).all() and (table[:, 3] == 0).all()


def test_max_dets_limits_detections_per_image_and_class_like_cocoeval():
    pytest.importorskip("pycocotools")
    gt, dt = random_detections(5)
    ours = det.coco_ap(*gt, *dt, max_dets=1)
    ref = det.cocoeval_stats(*gt, *dt, n_images=25, max_dets=1)
    assert ours != det.coco_ap(*gt, *dt)
    for key in ("AP", "AP50", "AP75"):
        assert abs(ours[key] - ref[key]) <= 1e-6


def test_perfect_detections_score_one():
    gt, _ = random_detections(3)
    scores = np.linspace(1, 0.5, len(gt[0]))
    ours = det.coco_ap(*gt, gt[0], scores, gt[1], gt[2])
    assert ours == {"AP": pytest.approx(1.0), "AP50": pytest.approx(1.0), "AP75": pytest.approx(1.0)}


# --- bad input ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: det.box_iou(np.zeros((3, 3)), np.zeros((1, 4))), "a must be M x 4"),
        (lambda: det.box_iou([[5, 0, 1, 4]], [[0, 0, 1, 1]]), r"x0 <= x1"),
        (lambda: det.box_iou([[0, 0, 1, np.nan]], [[0, 0, 1, 1]]), "must be finite"),
        (lambda: det.nms([[0, 0, 1, 1]], [0.5, 0.2]), "one value per box"),
        (lambda: det.nms([[0, 0, 1, 1]], [0.5], iou_threshold=1.5), r"iou_threshold must lie in \[0, 1\]"),
        (lambda: det.nms([[0, 0, 1, 1]], [0.5], max_output=0), "max_output must be a positive"),
        (lambda: det.precision_recall([0.5], [True], 0), "n_truth must be a positive"),
        (lambda: det.interpolated_ap([1, 1], [0.5, 0.2]), "recall must be non-decreasing"),
        (lambda: det.interpolated_ap([1], [0.5, 1]), "same length"),
        (lambda: det.coco_ap([[0, 0, 1, 1]], [0], [0, 1], [[0, 0, 1, 1]], [1], [0], [0]), "same length"),
        (lambda: det.coco_ap(np.zeros((0, 4)), np.zeros(0, int), np.zeros(0, int), [[0, 0, 1, 1]], [1], [0], [0]), "no class has ground truth"),
        (lambda: det.coco_ap([[0, 0, 1, 1]], [0.5], [0], [[0, 0, 1, 1]], [1], [0], [0]), "gt_classes must have a numeric dtype"),
    ],
)
def test_detection_rejects_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()
