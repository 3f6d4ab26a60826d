"""Helpers for *Deep Learning for Digital Image Processing*.

A small, flat package that holds what more than one notebook needs:

- :mod:`helpers.repro`    -- seeds, op determinism, thread count, quiet logs;
- :mod:`helpers.data`     -- MNIST / Fashion-MNIST through the plain Keras calls;
- :mod:`helpers.report`   -- headline figures (``name: value``), goal checks and glue for the prose;
- :mod:`helpers.plot`     -- small plotting utilities shared by notebooks;
- :mod:`helpers.vision`   -- correlation/convolution, classic kernels, gradients, integral image (Ch. 1);
- :mod:`helpers.hog`      -- HOG from scratch, equal to skimage.feature.hog, a batch version, and the
  vectorised block map and window scores of a sliding-window detector (Ch. 1);
- :mod:`helpers.nn`       -- NumPy CNN layers, forward and backward, NHWC / Keras layouts (Ch. 2);
- :mod:`helpers.models`   -- the article's CNN, LSTM and autoencoder as Keras models (Ch. 2-5);
- :mod:`helpers.rnn`      -- NumPy RNN / LSTM / GRU in Keras's layouts, BPTT, parameter counts (Ch. 3);
- :mod:`helpers.autoencoder` -- PCA by the SVD, principal angles, transposed convolution, Gaussian KL (Ch. 4);
- :mod:`helpers.cost`     -- parameters and MACs by formula, the profiler's FLOPs (Ch. 5);
- :mod:`helpers.attribution` -- attribution maps and their evaluation (Ch. 5);
- :mod:`helpers.distributed` -- a custom loop for tf.distribute, worker processes always stopped (Ch. 5);
- :mod:`helpers.scenes`   -- cluttered digit scenes: real MNIST digits on real texture photographs,
  with boxes and pixel masks (for detection and segmentation);
- :mod:`helpers.detection` -- box IoU, greedy NMS and COCO average precision;
- :mod:`helpers.segmentation` -- IoU and Dice of masks, Otsu's threshold;
- :mod:`helpers.validate` -- the input checks every helper uses.

Modules are imported lazily by the notebooks (``from helpers import data``) so that
importing :mod:`helpers` never imports TensorFlow by itself.
"""

__version__ = "0.1.0"
