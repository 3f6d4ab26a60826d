"""The opening figure of each chapter's landing page (``_static/landing/chapter-N.png``).

Run from the repository's root after changing it (a few seconds; MNIST from Keras's cache):

    .venv/bin/python _ext/landing_figures.py

Each figure is computed with the book's own ``helpers`` on real data (MNIST and
scikit-image's camera photograph), so that it shows, not just decorates, what its chapter
is about. Not a Sphinx extension: the landing pages include the PNGs it writes.
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
OUT = ROOT / "_static" / "landing"
#: Width in inches (the book's column is helpers.plot.MAX_WIDTH); saved at 2x for sharpness.
WIDTH, DPI = 6.7, 200


def save(fig: plt.Figure, name: str) -> None:
    """Write ``fig`` as a small PNG (256-colour palette, 2x pixels)."""
    from PIL import Image

    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.png"
    fig.savefig(path, dpi=DPI, bbox_inches="tight", pad_inches=0.05)
    plt.close(fig)
    Image.open(path).convert("RGB").quantize(colors=64).save(path, optimize=True)
    print(f"{path.relative_to(ROOT)}: {path.stat().st_size // 1024} KB")


def chapter_1() -> None:
    """A photograph, its Sobel gradient magnitude and its HOG cells."""
    import skimage
    from skimage.feature import hog as skimage_hog

    from helpers import vision

    image = skimage.data.camera()[60:316, 150:406].astype(float) / 255
    magnitude = vision.gradients(image)[2]
    _, hog_image = skimage_hog(image, orientations=9, pixels_per_cell=(16, 16),
                               cells_per_block=(1, 1), visualize=True)
    fig, axes = plt.subplots(1, 3, figsize=(WIDTH, 2.5))
    panels = [(image, "photograph"), (magnitude, "gradient magnitude (Sobel)"),
              (hog_image ** 0.5, "HOG: edge directions per cell")]
    for ax, (img, title) in zip(axes, panels, strict=True):
        ax.imshow(img, cmap="gray")
        ax.set_title(title, fontsize=9)
        ax.axis("off")
    save(fig, "chapter-1")


def chapter_2(x: np.ndarray) -> None:
    """A digit, a 3x3 kernel, the feature map after the ReLU and after max pooling."""
    from helpers import nn, vision

    digit = x[:1]
    kernel = vision.sobel_kernels()[0][:, :, None, None]  # responds to vertical edges
    fmap = nn.relu(nn.conv2d(digit, kernel))
    pooled = nn.max_pool2d(fmap, size=2)
    fig, axes = plt.subplots(1, 4, figsize=(WIDTH, 2.1))
    panels = [(digit[0, :, :, 0], "input\n28×28", "gray"),
              (kernel[:, :, 0, 0], "kernel (Sobel)\n3×3", "RdBu_r"),
              (fmap[0, :, :, 0], "convolution + ReLU\n26×26", "viridis"),
              (pooled[0, :, :, 0], "2×2 max pooling\n13×13", "viridis")]
    for ax, (img, title, cmap) in zip(axes, panels, strict=True):
        lim = np.abs(img).max() if cmap == "RdBu_r" else None
        ax.imshow(img, cmap=cmap, vmin=-lim if lim else None, vmax=lim)
        ax.set_title(title, fontsize=9)
        ax.axis("off")
    save(fig, "chapter-2")


def chapter_3(x: np.ndarray, y: np.ndarray) -> None:
    """A digit read row by row: each row is one time step of a recurrent network."""
    from matplotlib.patches import FancyArrowPatch, Rectangle

    digit = x[0, :, :, 0]
    fig = plt.figure(figsize=(WIDTH, 2.3))
    ax = fig.add_axes([0.0, 0.05, 0.28, 0.85])
    ax.imshow(digit, cmap="gray")
    for t, colour in ((6, "tab:orange"), (14, "tab:red")):
        ax.add_patch(Rectangle((-0.5, t - 0.5), 28, 1, fill=False, ec=colour, lw=1.5))
    ax.set_title("row $t$ of the image = input $x_t$", fontsize=9)
    ax.axis("off")
    chain = fig.add_axes([0.3, 0.05, 0.7, 0.85])
    chain.set_xlim(0, 10)
    chain.set_ylim(0, 3)
    chain.axis("off")
    labels = ["$h_1$", "$h_2$", "…", "$h_t$", "…", "$h_{28}$"]
    xs = np.linspace(0.6, 7.4, len(labels))
    for i, (xc, label) in enumerate(zip(xs, labels, strict=True)):
        if label != "…":
            chain.add_patch(Rectangle((xc - 0.45, 1.1), 0.9, 0.8, fc="#dbe9f6", ec="k"))
            chain.annotate("", (xc, 1.1), (xc, 0.35),
                           arrowprops={"arrowstyle": "->", "lw": 1})
            chain.text(xc, 0.1, label.replace("h", "x"), ha="center", fontsize=9)
        chain.text(xc, 1.5, label, ha="center", va="center", fontsize=10)
        if i + 1 < len(xs):
            chain.add_patch(FancyArrowPatch((xc + 0.45, 1.5), (xs[i + 1] - 0.45, 1.5),
                                            arrowstyle="->", mutation_scale=10))
    chain.add_patch(FancyArrowPatch((xs[-1] + 0.45, 1.5), (8.5, 1.5), arrowstyle="->",
                                    mutation_scale=10))
    chain.text(8.6, 1.5, f"class {y[0]}", va="center", fontsize=10)
    chain.text(5, 2.6, "the same weights at every step; the state carries what was seen",
               ha="center", fontsize=9)
    save(fig, "chapter-3")


def chapter_4(x_train: np.ndarray, x_test: np.ndarray) -> None:
    """Test digits and their reconstructions from codes of 2, 8 and 32 numbers (PCA)."""
    from helpers import autoencoder

    flat = x_train[:10000].reshape(10000, -1).astype(np.float64)
    mean, components, _ = autoencoder.pca_svd(flat)
    digits = x_test[:6].reshape(6, -1).astype(np.float64)
    rows = [("input", digits)] + [
        (f"code of {k}", autoencoder.pca_reconstruct(digits, mean, components[:k]))
        for k in (2, 8, 32)
    ]
    fig, axes = plt.subplots(len(rows), 6, figsize=(WIDTH * 0.62, 2.9))
    for r, (label, images) in enumerate(rows):
        for c in range(6):
            axes[r, c].imshow(images[c].reshape(28, 28), cmap="gray", vmin=0, vmax=1)
            axes[r, c].set_xticks([])
            axes[r, c].set_yticks([])
        axes[r, 0].set_ylabel(label, fontsize=8, rotation=0, ha="right", va="center")
    save(fig, "chapter-4")


def chapter_5(x_train: np.ndarray, y_train: np.ndarray) -> None:
    """One hundred labelled digits, ten per class: a whole training set of Section 5.1."""
    rng = np.random.default_rng(0)
    picks = [rng.choice(np.flatnonzero(y_train == c), 10, replace=False) for c in range(10)]
    images = x_train[np.stack(picks, axis=1).ravel(), :, :, 0]  # row r: the r-th of each class
    grid = images.reshape(10, 10, 28, 28).transpose(0, 2, 1, 3).reshape(280, 280)
    fig, ax = plt.subplots(figsize=(2.6, 2.6))
    ax.imshow(grid, cmap="gray")
    ax.set_title("100 labels, 10 per class", fontsize=9)
    ax.axis("off")
    save(fig, "chapter-5")


def main() -> None:
    import bookenv

    bookenv.prepare()
    from helpers import data

    (x_train, y_train), (x_test, y_test) = data.load_mnist()
    chapter_1()
    chapter_2(x_test)
    chapter_3(x_test, y_test)
    chapter_4(x_train, x_test)
    chapter_5(x_train, y_train)


if __name__ == "__main__":
    main()
