"""Scoring object detectors: box IoU, greedy NMS, matching, precision–recall and COCO's AP.

A box is ``(x0, y0, x1, y1)`` in pixel coordinates: ``x`` across the columns, ``y`` down the
rows, ``(x0, y0)`` the top-left corner and ``(x1, y1)`` one past the bottom-right pixel, so a
box covering pixel columns ``x0 .. x1 - 1`` has width ``x1 - x0`` (COCO's ``w``) and area
``(x1 - x0) (y1 - y0)``, with no ``+ 1``. :mod:`helpers.scenes` returns its ground truth in
this form.

A set of boxes over many images is given flat: ``boxes`` (M x 4), ``classes`` (M,) and
``images`` (M,), the image each box belongs to; detections also have ``scores`` (M,).

The average precision follows ``pycocotools``' ``COCOeval`` (bounding boxes, area range
"all", no crowd annotations): per class and IoU threshold, the detections of every image
(at most ``max_dets`` per image and class, the highest scores) are matched greedily in
order of decreasing score; precision is made monotone from the right (the envelope) and
read at the 101 recall levels 0, 0.01, ..., 1 (0 beyond the highest recall reached); AP is
their mean. A class with no ground truth is left out of the averages (as COCOeval does),
even if it has detections; a class with ground truth and no detections scores 0.
:func:`cocoeval_stats` runs ``COCOeval`` itself on the same arrays, for the check.
"""

from __future__ import annotations

import contextlib
import io

import numpy as np

from helpers.validate import as_array, check_positive_int

#: COCO's ten IoU thresholds 0.5, 0.55, ..., 0.95, computed as COCOeval computes them.
COCO_IOU_THRESHOLDS = np.linspace(0.5, 0.95, int(np.round((0.95 - 0.5) / 0.05)) + 1)
#: COCO's 101 recall levels 0, 0.01, ..., 1.
COCO_RECALL_LEVELS = np.linspace(0.0, 1.0, int(np.round((1.0 - 0.0) / 0.01)) + 1)


def check_boxes(boxes: object, name: str = "boxes") -> np.ndarray:
    """Return ``boxes`` as an M x 4 float64 array after checking ``x0 <= x1`` and ``y0 <= y1``.

    Raises
    ------
    ValueError
        If ``boxes`` is not M x 4 (a single box of shape (4,) is accepted as 1 x 4), is
        not finite, or has a corner order other than ``(x0, y0, x1, y1)``.
    """
    arr = as_array(boxes, name, ndim=(1, 2))
    if arr.ndim == 1 and arr.shape == (4,):
        arr = arr[None]
    if arr.ndim != 2 or arr.shape[1] != 4:
        raise ValueError(f"{name} must be M x 4 (x0, y0, x1, y1), got shape {arr.shape}")
    arr = arr.astype(np.float64)
    bad = (arr[:, 2] < arr[:, 0]) | (arr[:, 3] < arr[:, 1])
    if bad.any():
        raise ValueError(
            f"{name} must be (x0, y0, x1, y1) with x0 <= x1 and y0 <= y1; "
            f"{int(bad.sum())} box(es) are not, e.g. {arr[np.argmax(bad)].tolist()}"
        )
    return arr


def box_area(boxes: object) -> np.ndarray:
    """Areas ``(x1 - x0) (y1 - y0)`` of M boxes, as an (M,) float64 array."""
    b = check_boxes(boxes)
    return (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])


def box_iou(a: object, b: object) -> np.ndarray:
    """Intersection over union of every box of ``a`` with every box of ``b``.

    Parameters
    ----------
    a, b
        M x 4 and N x 4 boxes ``(x0, y0, x1, y1)``.

    Returns
    -------
    numpy.ndarray
        M x N float64 matrix, entry ``(i, j)`` = area(a_i ∩ b_j) / area(a_i ∪ b_j);
        0 where the union is empty (two boxes of zero area).
    """
    a, b = check_boxes(a, "a"), check_boxes(b, "b")
    w = np.clip(np.minimum(a[:, None, 2], b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0]), 0, None)
    h = np.clip(np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1]), 0, None)
    inter = w * h
    union = box_area(a)[:, None] + box_area(b)[None, :] - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


def _check_scores(scores: object, n: int, name: str = "scores") -> np.ndarray:
    s = as_array(scores, name, ndim=1).astype(np.float64)
    if len(s) != n:
        raise ValueError(f"{name} must have one value per box ({n}), got {len(s)}")
    return s


def _check_threshold(value: float, name: str) -> float:
    if not 0.0 <= float(value) <= 1.0:
        raise ValueError(f"{name} must lie in [0, 1], got {value!r}")
    return float(value)


def nms(
    boxes: object, scores: object, iou_threshold: float = 0.5, max_output: int | None = None
) -> np.ndarray:
    """Greedy non-maximum suppression, as ``tf.image.non_max_suppression``.

    Repeatedly keep the highest-scoring box left and drop every remaining box whose IoU
    with it is greater than ``iou_threshold``.

    Parameters
    ----------
    boxes
        M x 4 boxes ``(x0, y0, x1, y1)``.
    scores
        M scores; ties are broken by the lower index first.
    iou_threshold
        Boxes overlapping a kept box by more than this are suppressed.
    max_output
        Stop after this many boxes (``None``: no limit).

    Returns
    -------
    numpy.ndarray
        Indices of the kept boxes (int64), in order of decreasing score.
    """
    b = check_boxes(boxes)
    s = _check_scores(scores, len(b))
    thr = _check_threshold(iou_threshold, "iou_threshold")
    limit = len(b) if max_output is None else check_positive_int(max_output, "max_output")
    order = np.argsort(-s, kind="stable")
    iou = box_iou(b, b)
    alive = np.ones(len(b), bool)
    keep: list[int] = []
    for i in order:
        if len(keep) == limit:
            break
        if alive[i]:
            keep.append(int(i))
            alive &= iou[i] <= thr
    return np.asarray(keep, dtype=np.int64)


def match(
    det_boxes: object, det_scores: object, gt_boxes: object, iou_threshold: float = 0.5
) -> tuple[np.ndarray, np.ndarray]:
    """Match one image's detections of one class to its ground truth, as COCOeval does.

    In order of decreasing score, each detection takes the still unmatched ground-truth
    box it overlaps most, if that IoU is at least ``iou_threshold``; otherwise it is a
    false positive.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        ``matched``: for each detection (in the input order) the index of its ground-truth
        box, or -1; ``order``: the detections' indices by decreasing score.
    """
    d = check_boxes(det_boxes, "det_boxes")
    s = _check_scores(det_scores, len(d), "det_scores")
    g = check_boxes(gt_boxes, "gt_boxes")
    thr = _check_threshold(iou_threshold, "iou_threshold")
    order = np.argsort(-s, kind="stable")
    matched = np.full(len(d), -1, dtype=np.int64)
    matched[order] = _greedy_match(box_iou(d[order], g), np.array([thr]))[0]
    return matched, order


def _greedy_match(iou: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """T x D: the ground truth each detection matches at each threshold, or -1.

    ``iou`` is D x G with the detections already in order of decreasing score. A
    detection takes the unmatched ground truth of highest IoU (the last one on ties, as
    COCOeval) if that IoU is at least the threshold (capped at 1 - 1e-10, as COCOeval).
    """
    n_det, n_gt = iou.shape
    out = np.full((len(thresholds), n_det), -1, dtype=np.int64)
    if n_gt == 0:
        return out
    need = np.minimum(thresholds, 1 - 1e-10)
    taken = np.zeros((len(thresholds), n_gt), bool)
    rows = np.arange(len(thresholds))
    for i in range(n_det):
        cand = np.where(taken, -1.0, iou[i])                  # T x G
        j = n_gt - 1 - np.argmax(cand[:, ::-1], axis=1)       # best, the last on ties
        ok = cand[rows, j] >= need
        out[ok, i] = j[ok]
        taken[rows[ok], j[ok]] = True
    return out


def precision_recall(
    scores: object, is_tp: object, n_truth: int
) -> tuple[np.ndarray, np.ndarray]:
    """Precision and recall after each detection, in order of decreasing score.

    ``scores`` and ``is_tp`` (bool) describe all detections of one class over all images;
    ``n_truth`` is that class's number of ground-truth boxes. Precision is
    ``TP / (TP + FP)`` and recall ``TP / n_truth`` over the first k detections.
    """
    tp = as_array(is_tp, "is_tp", ndim=1, kinds="bu").astype(bool)
    s = _check_scores(scores, len(tp))
    n = check_positive_int(n_truth, "n_truth")
    order = np.argsort(-s, kind="mergesort")
    tps = np.cumsum(tp[order]).astype(np.float64)
    fps = np.cumsum(~tp[order]).astype(np.float64)
    return tps / (tps + fps + np.spacing(1)), tps / n


def interpolated_ap(precision: object, recall: object) -> float:
    """COCO's 101-point interpolated average precision of one precision–recall curve.

    The precision is first replaced by its envelope ``p(r) = max over r' >= r`` (from the
    right), then read at each recall level of :data:`COCO_RECALL_LEVELS` (at the first
    detection whose recall reaches it; 0 where none does) and averaged.
    """
    p = as_array(precision, "precision", ndim=1).astype(np.float64)
    r = as_array(recall, "recall", ndim=1).astype(np.float64)
    if len(p) != len(r):
        raise ValueError(f"precision and recall must have the same length, got {len(p)} and {len(r)}")
    if len(p) and np.any(np.diff(r) < 0):
        raise ValueError("recall must be non-decreasing (detections in order of decreasing score)")
    env = np.maximum.accumulate(p[::-1])[::-1]
    idx = np.searchsorted(r, COCO_RECALL_LEVELS, side="left")
    q = np.zeros(len(COCO_RECALL_LEVELS))
    reached = idx < len(p)
    q[reached] = env[idx[reached]]
    return float(q.mean())


def _flat(boxes: object, classes: object, images: object, name: str) -> tuple[np.ndarray, ...]:
    b = check_boxes(boxes, f"{name}_boxes")
    c = as_array(classes, f"{name}_classes", ndim=1, kinds="iu").astype(np.int64)
    im = as_array(images, f"{name}_images", ndim=1, kinds="iu").astype(np.int64)
    if not len(b) == len(c) == len(im):
        raise ValueError(
            f"{name}_boxes, {name}_classes and {name}_images must have the same length, "
            f"got {len(b)}, {len(c)} and {len(im)}"
        )
    return b, c, im


def ap_table(
    gt_boxes: object, gt_classes: object, gt_images: object,
    det_boxes: object, det_scores: object, det_classes: object, det_images: object,
    iou_thresholds: object = COCO_IOU_THRESHOLDS, max_dets: int = 100,
) -> tuple[np.ndarray, np.ndarray]:
    """AP per IoU threshold and class, as COCOeval's ``precision`` averaged over recall.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        ``table``: T x K float64, AP of class ``classes[k]`` at ``iou_thresholds[t]``
        (NaN for a class without ground truth); ``classes``: the K classes, sorted, that
        occur in the ground truth or the detections.
    """
    gb, gc, gi = _flat(gt_boxes, gt_classes, gt_images, "gt")
    db, dc, di = _flat(det_boxes, det_classes, det_images, "det")
    ds = _check_scores(det_scores, len(db), "det_scores")
    thrs = as_array(iou_thresholds, "iou_thresholds", ndim=1).astype(np.float64)
    for t in thrs:
        _check_threshold(t, "iou_thresholds")
    max_dets = check_positive_int(max_dets, "max_dets")
    classes = np.union1d(gc, dc)
    table = np.full((len(thrs), len(classes)), np.nan)
    for k, c in enumerate(classes):
        n_truth = int((gc == c).sum())
        if n_truth == 0:
            continue
        g_c, gi_c = gb[gc == c], gi[gc == c]
        d_c, ds_c, di_c = db[dc == c], ds[dc == c], di[dc == c]
        scores: list[np.ndarray] = []
        tps: list[np.ndarray] = []
        for img in np.union1d(gi_c, di_c):
            sel = np.nonzero(di_c == img)[0]
            sel = sel[np.argsort(-ds_c[sel], kind="mergesort")][:max_dets]
            scores.append(ds_c[sel])
            tps.append(_greedy_match(box_iou(d_c[sel], g_c[gi_c == img]), thrs) >= 0)
        s = np.concatenate(scores)
        tp = np.concatenate(tps, axis=1)  # T x detections of class c
        for t in range(len(thrs)):
            if len(s) == 0:
                table[t, k] = 0.0
                continue
            p, r = precision_recall(s, tp[t], n_truth)
            table[t, k] = interpolated_ap(p, r)
    return table, classes


def coco_ap(
    gt_boxes: object, gt_classes: object, gt_images: object,
    det_boxes: object, det_scores: object, det_classes: object, det_images: object,
    max_dets: int = 100,
) -> dict[str, float]:
    """COCO's headline numbers: ``AP`` (AP@[.5:.95]), ``AP50`` and ``AP75``, in [0, 1].

    Each is the mean of :func:`ap_table` over the classes with ground truth (and, for
    ``AP``, over the ten thresholds), as ``COCOeval.stats[0:3]`` (area "all", ``maxDets``
    100 unless ``max_dets`` says otherwise).
    """
    table, _ = ap_table(gt_boxes, gt_classes, gt_images, det_boxes, det_scores, det_classes,
                        det_images, COCO_IOU_THRESHOLDS, max_dets)
    if np.isnan(table).all():
        raise ValueError("no class has ground truth: AP is undefined")
    return {"AP": float(np.nanmean(table)), "AP50": float(np.nanmean(table[0])),
            "AP75": float(np.nanmean(table[5]))}


def cocoeval_stats(
    gt_boxes: object, gt_classes: object, gt_images: object,
    det_boxes: object, det_scores: object, det_classes: object, det_images: object,
    n_images: int | None = None, max_dets: int = 100,
) -> dict[str, float]:
    """The same numbers as :func:`coco_ap`, computed by ``pycocotools``' ``COCOeval``.

    Builds the COCO ground truth (boxes as ``[x0, y0, w, h]``, ``area = w h``, no crowd,
    one image per index ``0 .. n_images - 1``, category ``c + 1`` for class ``c``) and the
    detection results in memory, runs ``evaluate`` and ``accumulate`` with their printing
    silenced, and averages COCOeval's precision array as ``summarize`` does for
    ``stats[0:3]`` (``AP``, ``AP50``, ``AP75``; area "all", ``maxDets = max_dets``).
    Needs at least one detection (``COCO.loadRes`` rejects an empty list).
    """
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    gb, gc, gi = _flat(gt_boxes, gt_classes, gt_images, "gt")
    db, dc, di = _flat(det_boxes, det_classes, det_images, "det")
    ds = _check_scores(det_scores, len(db), "det_scores")
    if len(db) == 0:
        raise ValueError("cocoeval_stats needs at least one detection")
    n = int(max(gi.max(initial=-1), di.max(initial=-1)) + 1) if n_images is None else n_images
    cats = np.union1d(gc, dc)

    def xywh(b: np.ndarray) -> list[float]:
        return [float(b[0]), float(b[1]), float(b[2] - b[0]), float(b[3] - b[1])]

    anns = [{"id": i + 1, "image_id": int(im), "category_id": int(c) + 1, "bbox": xywh(b),
             "area": float((b[2] - b[0]) * (b[3] - b[1])), "iscrowd": 0}
            for i, (b, c, im) in enumerate(zip(gb, gc, gi, strict=True))]
    dets = [{"image_id": int(im), "category_id": int(c) + 1, "bbox": xywh(b), "score": float(s)}
            for b, c, im, s in zip(db, dc, di, ds, strict=True)]
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO()
        gt.dataset = {"images": [{"id": i} for i in range(n)], "annotations": anns,
                      "categories": [{"id": int(c) + 1} for c in cats]}
        gt.createIndex()
        ev = COCOeval(gt, gt.loadRes(dets), "bbox")
        ev.params.maxDets = [check_positive_int(max_dets, "max_dets")]
        ev.evaluate()
        ev.accumulate()
    # COCOeval.summarize's averages (it fixes maxDets at 100 for stats[0], so they are
    # taken here from its precision array, T x R x K x areas x maxDets, as it takes them)
    prec = ev.eval["precision"][:, :, :, 0, 0]
    t50, t75 = (int(np.argmax(ev.params.iouThrs == t)) for t in (0.5, 0.75))

    def mean(s: np.ndarray) -> float:
        return float(np.mean(s[s > -1])) if (s > -1).any() else -1.0

    return {"AP": mean(prec), "AP50": mean(prec[t50]), "AP75": mean(prec[t75])}
