"""The book builds without a single warning, and the HTML needs no other host."""

from __future__ import annotations

import html as html_lib
import re
import subprocess
import sys
from pathlib import Path

import pytest
from booktoc import ROOT

# Resources a browser fetches by itself when it renders a page.
HTML_RESOURCE = re.compile(
    r"<(?:script|img|iframe|source)\b[^>]*\bsrc=[\"']([^\"']+)"
    r"|<link\b(?=[^>]*\brel=[\"'](?:stylesheet|preload|modulepreload|icon|shortcut icon|prefetch)[\"'])[^>]*\bhref=[\"']([^\"']+)",
    re.I,
)
CSS_RESOURCE = re.compile(r"@import\s+[\"']([^\"']+)|url\(\s*[\"']?([^\"')]+)", re.I)
REMOTE = re.compile(r"^(?:https?:)?//", re.I)


@pytest.fixture(scope="module")
def html(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("book")
    jb = Path(sys.executable).with_name("jupyter-book")
    done = subprocess.run(
        [str(jb), "build", str(ROOT), "-W", "--keep-going", "--path-output", str(out)],
        capture_output=True, text=True, timeout=600,
    )
    log = done.stdout + done.stderr
    warnings = [ln for ln in log.splitlines() if "WARNING" in ln or "ERROR" in ln]
    assert done.returncode == 0 and not warnings, "book build failed:\n" + "\n".join(warnings or [log[-3000:]])
    return out / "_build" / "html"


def remote_resources(root: Path) -> list[str]:
    """Every resource of the built site that a browser would fetch from another host."""
    found = []
    for page in root.rglob("*.html"):
        for m in HTML_RESOURCE.finditer(page.read_text(encoding="utf-8", errors="replace")):
            url = m.group(1) or m.group(2)
            if REMOTE.match(url):
                found.append(f"{page.relative_to(root)}: {url}")
    for sheet in root.rglob("*.css"):
        for m in CSS_RESOURCE.finditer(sheet.read_text(encoding="utf-8", errors="replace")):
            url = m.group(1) or m.group(2)
            if REMOTE.match(url):
                found.append(f"{sheet.relative_to(root)}: {url}")
    return found


def test_book_builds_warning_free(html: Path):
    assert (html / "index.html").is_file()
    for entry in ["intro", "chapters/00-getting-started", "chapters/appendix/bibliography"]:
        assert (html / f"{entry}.html").is_file(), f"{entry}.html was not built"


def test_html_loads_nothing_from_other_hosts(html: Path):
    # sphinx-thebe writes an inline constant with a CDN address into every page; with
    # `thebe: false` nothing ever loads it, so only fetched resources are checked here.
    assert not remote_resources(html), "\n".join(remote_resources(html)[:20])


def test_math_renders_from_local_mathjax(html: Path):
    page = (html / "chapters/02-cnn/index.html").read_text(encoding="utf-8")
    assert re.search(r"<script[^>]*src=\"[./]*_static/mathjax/tex-chtml\.js\"", page)
    assert (html / "_static" / "mathjax" / "tex-chtml.js").is_file()


def test_notebook_pages_have_a_colab_button(html: Path):
    page = (html / "chapters/00-getting-started.html").read_text(encoding="utf-8")
    assert "colab.research.google.com/github/" in page
    assert "chapters/00-getting-started.ipynb" in page


def test_citations_resolve(html: Path):
    page = (html / "chapters/appendix/bibliography.html").read_text(encoding="utf-8")
    assert "Gradient-based learning applied to document recognition" in page


def test_reader_meets_no_plumbing(html: Path):
    """The setup cell, repro.setup and nbval's markers stay out of the reader's way."""
    found = []
    # The setup cell, the repro cell (as the notebooks' second cell has it), nbval's markers.
    plumbing = re.compile(
        r"BOOK_HELPERS_SOURCE|repro\.setup\(seed=0(?:, tensorflow=False)?\)|NBVAL_|nbval-"
    )
    for page in (html / "chapters").rglob("*.html"):
        # What the reader sees: the text, not the markup (cell tags become CSS classes).
        text = html_lib.unescape(re.sub(r"<[^>]*>", "", page.read_text(encoding="utf-8")))
        found += [f"{page.relative_to(html)}: {m.group(0)}" for m in plumbing.finditer(text)]
    assert not found, "\n".join(found)


def test_results_page_lists_every_headline_figure(html: Path):
    """Every figure is on Results at a glance (its name as the tooltip of its
    description) and every link there leads to a section that exists."""
    sys.path.insert(0, str(ROOT / "_ext"))
    from booktoc import toc_notebooks
    from headline_figures import collect

    page = (html / "chapters/appendix/results.html").read_text(encoding="utf-8")
    names = [row["name"] for nb in toc_notebooks() for row in collect(nb)]
    assert names, "no notebook reports a headline figure through helpers.report"
    missing = [n for n in names if f'title="{n}"' not in page]
    assert not missing, f"figures missing from the results page: {missing}"
    broken = []
    for href in sorted(set(re.findall(r'<a href="(\.\./[^"#]+\.html)#([^"]+)"', page))):
        target = (html / "chapters/appendix" / href[0]).resolve()
        if not target.is_file() or f'id="{href[1]}"' not in target.read_text(encoding="utf-8"):
            broken.append("#".join(href))
    assert not broken, f"links on the results page that lead nowhere: {broken}"


def test_no_raw_tex_on_any_page(html: Path):
    """Display maths that MyST did not parse shows as a stray $ next to rendered maths."""
    raw = re.compile(r"\$<span class=\"math|\\\)</span>\\")
    found = [str(p.relative_to(html)) for p in html.rglob("*.html")
             if raw.search(p.read_text(encoding="utf-8"))]
    assert not found, f"pages with unparsed TeX: {found}"
