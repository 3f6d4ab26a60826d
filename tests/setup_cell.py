# Setup: in Google Colab, install this book's small `helpers` package (only
# it: Colab's own TensorFlow, NumPy, scikit-image and OpenCV stay as they
# are). Elsewhere: nothing.
import importlib
import os
import subprocess
import sys

if "google.colab" in sys.modules:
    repo = "git+https://github.com/dldip-book/dldip-book"
    source = os.environ.get("BOOK_HELPERS_SOURCE", repo)
    pip = [sys.executable, "-m", "pip", "install", "-q", "--no-deps"]
    subprocess.run(pip + [source], check=True)
    importlib.invalidate_caches()
