# Setup: in Google Colab, install this book's small `helpers` package (only it: Colab's
# own TensorFlow, NumPy, scikit-image and OpenCV stay as they are). Elsewhere: nothing.
import importlib, os, subprocess, sys
if "google.colab" in sys.modules:
    source = os.environ.get("BOOK_HELPERS_SOURCE", "git+https://github.com/dldip-book/dldip-book")
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", source], check=True)
    importlib.invalidate_caches()
