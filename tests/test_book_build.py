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
        if page.name == "helpers.html":  # the package's reference documents the plumbing
            continue
        # What the reader sees: the text, not the markup (cell tags become CSS classes).
        text = html_lib.unescape(re.sub(r"<[^>]*>", "", page.read_text(encoding="utf-8")))
        found += [f"{page.relative_to(html)}: {m.group(0)}" for m in plumbing.finditer(text)]
    assert not found, "\n".join(found)


def test_results_page_lists_every_headline_figure(html: Path):
    """Every figure is on Results at a glance (a row with its name in view, or a setting
    under its chapter's table) and every link there leads to a section that exists."""
    sys.path.insert(0, str(ROOT / "_ext"))
    from booktoc import toc_notebooks
    from headline_figures import SETTINGS, collect

    page = (html / "chapters/appendix/results.html").read_text(encoding="utf-8")
    rows = [row for nb in toc_notebooks() for row in collect(nb)]
    names = [row["name"] for row in rows]
    assert names, "no notebook reports a headline figure through helpers.report"
    missing = [r["name"] for r in rows if (
        f'<code class="hf-name">{r["name"]}</code>' not in page if r["name"] not in SETTINGS
        else html_lib.escape(r["desc"]) not in page)]
    assert not missing, f"figures missing from the results page: {missing}"
    broken = []
    assert "hover for" not in page, "touch screens cannot hover: show the name instead"
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


def public_helpers() -> dict[str, list[str]]:
    """Every public function and class of every ``helpers`` module, by module: what the
    page *The helpers package* must document (names defined in the module, not imported)."""
    import importlib
    import inspect

    sys.path.insert(0, str(ROOT / "_ext"))
    from helpers_api import module_names

    found = {}
    for name in module_names():
        module = importlib.import_module(f"helpers.{name}")
        found[name] = [
            member for member, obj in vars(module).items()
            if not member.startswith("_") and (inspect.isfunction(obj) or inspect.isclass(obj))
            and obj.__module__ == module.__name__
        ]
    return found


def test_helpers_page_documents_every_public_helper(html: Path):
    """The appendix page lists every public function and class of every module, each
    with a link to its source code (sphinx.ext.viewcode)."""
    page = (html / "chapters/appendix/helpers.html").read_text(encoding="utf-8")
    helpers = public_helpers()
    assert len(helpers) >= 10 and sum(map(len, helpers.values())) >= 50, helpers
    missing = [f"{m}.{f}" for m, names in helpers.items() for f in names
               if f'id="helpers.{m}.{f}"' not in page]
    assert not missing, f"public helpers missing from the helpers page: {missing}"
    no_source = [f"{m}.{f}" for m, names in helpers.items() for f in names
                 if f'_modules/helpers/{m}.html#{f}"' not in page]
    assert not no_source, f"helpers without a [source] link: {no_source}"
    for module in helpers:
        source = html / "_modules" / "helpers" / f"{module}.html"
        assert source.is_file(), f"no source page for helpers.{module}"


def test_helper_mentions_link_to_their_entry(html: Path):
    """{py:func}`helpers.module.function` in a notebook resolves to the helpers page."""
    page = (html / "chapters/02-cnn/the-article-cnn-on-mnist.html").read_text(encoding="utf-8")
    assert 'href="../appendix/helpers.html#helpers.models.article_cnn"' in page


def test_images_have_alt_text(html: Path):
    """Every image has a text alternative, never its file name (a hash) or nothing."""
    bad = []
    for page in html.rglob("*.html"):
        for tag in re.findall(r"<img\b[^>]*>", page.read_text(encoding="utf-8")):
            alt = re.search(r'\balt="([^"]*)"', tag)
            text = alt.group(1).strip() if alt else ""
            if len(text) < 5 or re.search(r"\.(png|jpe?g|svg|gif)$|[0-9a-f]{16}", text):
                bad.append(f"{page.relative_to(html)}: {tag[:120]}")
    assert not bad, f"{len(bad)} images without a real alt text:\n" + "\n".join(bad[:10])


def test_no_empty_output_boxes(html: Path):
    """No output box without content: an empty HTML block (rich emits one before each
    Keras summary) or an empty text output (an empty print)."""
    empty_pre = re.compile(r"<pre\b[^>]*>(?:\s|<span>\s*</span>)*</pre>")
    html_output = re.compile(r'<div class="output text_html">(.*?)</div>', re.S)
    found = []
    for page in (html / "chapters").rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        found += [f"{page.relative_to(html)}: {m.group(0)[:60]}"
                  for m in empty_pre.finditer(text)]
        found += [f"{page.relative_to(html)}: empty HTML output"
                  for m in html_output.finditer(text)
                  if not re.sub(r"<[^>]*>", "", m.group(1)).strip()
                  and not re.search(r"<(img|svg|table|iframe|video)\b", m.group(1))]
    assert not found, f"empty output boxes: {found}"


def test_chapter_pages_open_with_a_figure_and_a_table(html: Path):
    """Each chapter's landing page opens with a figure, then its tables; every notebook of
    the chapter (per the toc) has a row with its measured run time."""
    from booktoc import toc_notebooks

    for index in sorted((ROOT / "chapters").glob("0[1-9]-*/index.md")):
        folder = index.parent.name
        page = (html / "chapters" / folder / "index.html").read_text(encoding="utf-8")
        body = page.split('id="main-content"')[-1]
        assert "<img" in body and "<table" in body, f"{folder}: no figure or no table"
        assert body.index("<img") < body.index("<table"), f"{folder}: the figure comes first"
        notebooks = [nb.stem for nb in toc_notebooks() if nb.parent.name == folder]
        times = re.findall(r'<span class="run-time">([^<]*)</span>', body)
        assert len(times) == len(notebooks), f"{folder}: {len(times)} run times, {notebooks}"
        assert "not measured" not in times, f"{folder}: a notebook without time stamps"


def test_each_script_once(html: Path):
    """No page declares sphinx-thebe's inline constants twice (a console SyntaxError)."""
    twice = [str(p.relative_to(html)) for p in html.rglob("*.html")
             if p.read_text(encoding="utf-8").count("const THEBE_JS_URL") > 1]
    assert not twice, f"pages with a script included twice: {twice[:5]}"
