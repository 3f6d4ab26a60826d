"""The toc and the notebooks: consistency and hygiene (fast, no kernel)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from booktoc import ROOT, resolve, toc_entries, toc_notebooks

NOTEBOOKS = toc_notebooks()
IDS = [str(p.relative_to(ROOT)) for p in NOTEBOOKS]
SETUP_CELL = (ROOT / "tests" / "setup_cell.py").read_text(encoding="utf-8").strip()
# An absolute file path (not a URL), as the maintainers' before-stop hook finds them.
ABSOLUTE = re.compile(r"(?<![\w:/.~-])/(?:[\w.-]+/){2,}[\w.-]+")
MAX_IGNORED = 0.20
MAX_CELL_LINES = 25
REASON = "# Varies by machine:"
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
COLAB = CONFIG["launch_buttons"]["colab_url"].rstrip("/")
REPO = "/".join(CONFIG["repository"]["url"].rstrip("/").split("/")[-2:])
BRANCH = CONFIG["repository"]["branch"]


def code_cells(nb: dict) -> list[dict]:
    return [c for c in nb["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()]


def tags(cell: dict) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def comment_markers(cell: dict) -> set[str]:
    """nbval's comment markers (``# NBVAL_...``): this book uses cell tags instead."""
    lines = [ln.strip().lstrip("#").strip() for ln in "".join(cell["source"]).splitlines()]
    return {ln for ln in lines if ln.startswith("NBVAL_")}


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_every_toc_entry_exists():
    missing = [e for e in toc_entries() if resolve(e) is None]
    assert not missing, f"_toc.yml names pages that do not exist: {missing}"


def test_every_page_is_in_the_toc():
    listed = {str(resolve(e).relative_to(ROOT)) for e in toc_entries() if resolve(e)}
    pages = {
        str(p.relative_to(ROOT))
        for p in (ROOT / "chapters").rglob("*")
        if p.suffix in (".md", ".ipynb") and ".ipynb_checkpoints" not in p.parts
    }
    assert not pages - listed, f"pages missing from _toc.yml: {sorted(pages - listed)}"


def test_book_has_notebooks():
    assert NOTEBOOKS, "_toc.yml lists no notebook"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_hygiene(path: Path):
    assert path.stat().st_size <= 2_000_000, f"{path.name} is over 2 MB"
    nb = load(path)
    assert nb["metadata"]["kernelspec"]["name"] == "python3", "kernel must be python3"
    cells = code_cells(nb)
    counts = [c["execution_count"] for c in cells]
    assert counts == list(range(1, len(cells) + 1)), (
        f"execution counts {counts} are not 1..n: re-run top to bottom (make execute NB=...)"
    )
    for i, cell in enumerate(cells, 1):
        for out in cell["outputs"]:
            assert out["output_type"] != "error", f"cell {i} stores an error output"
            text = "".join(out.get("text", "")) + "".join(out.get("data", {}).get("text/plain", ""))
            assert not ABSOLUTE.search(text), f"cell {i} output shows a machine path: {text[:200]}"
            assert "image/jpeg" not in out.get("data", {}), f"cell {i}: store figures as PNG"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_first_cell_is_the_setup_cell(path: Path):
    first = "".join(code_cells(load(path))[0]["source"]).strip()
    assert first == SETUP_CELL, "the first code cell must equal tests/setup_cell.py"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_ignored_outputs_are_few_and_explained(path: Path):
    """Outputs nbval does not compare carry the tag and say why, for the reader too."""
    with_output = ignored = 0
    for i, cell in enumerate(code_cells(load(path)), 1):
        assert not comment_markers(cell), (
            f"cell {i}: use the cell tag `nbval-ignore-output`, not a comment marker"
        )
        nbval_tags = {t for t in tags(cell) if t.startswith("nbval-")}
        unknown = nbval_tags - {"nbval-ignore-output", "nbval-skip"}
        assert not unknown, f"cell {i}: tag(s) {unknown} not allowed in this book"
        if nbval_tags:
            first = "".join(cell["source"]).splitlines()[0]
            assert first.startswith(REASON) and len(first) >= len(REASON) + 10, (
                f"cell {i}: a cell tagged {sorted(nbval_tags)} must start with a comment "
                f"line '{REASON} <why>', got {first!r}"
            )
        if cell["outputs"] or nbval_tags:
            with_output += 1
            ignored += bool(nbval_tags)
    assert with_output, "no code cell with output"
    share = ignored / with_output
    assert share <= MAX_IGNORED, (
        f"{ignored} of {with_output} code cells with output ({share:.0%}) are ignored or "
        f"skipped by nbval; at most {MAX_IGNORED:.0%} may be"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_colab_badge_points_at_this_notebook(path: Path):
    first = load(path)["cells"][0]
    assert first["cell_type"] == "markdown", "the first cell must be the Colab badge"
    link = re.search(r"\]\((https://colab\.research\.google\.com/github/[^)]+)\)",
                     "".join(first["source"]))
    assert link, "the first cell must be an 'Open in Colab' badge linking to Colab"
    rel = path.relative_to(ROOT).as_posix()
    assert link.group(1) == f"{COLAB}/github/{REPO}/blob/{BRANCH}/{rel}", link.group(1)
    assert "remove-cell" in tags(first), "tag the badge cell remove-cell (the HTML has a button)"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_plumbing_is_hidden_from_the_html_reader(path: Path):
    setup, repro = code_cells(load(path))[:2]
    assert "remove-cell" in tags(setup), "tag the setup cell remove-cell"
    assert "repro.setup(" in "".join(repro["source"]), "the second code cell calls repro.setup"
    assert "remove-cell" in tags(repro), "tag the repro.setup cell remove-cell"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_code_cells_hold_one_idea(path: Path):
    long = [
        (i, n) for i, c in enumerate(code_cells(load(path)), 1)
        if (n := len("".join(c["source"]).splitlines())) > MAX_CELL_LINES
    ]
    assert not long, f"code cells over {MAX_CELL_LINES} lines (cell, lines): {long}"


def test_setup_cell_points_at_the_repository():
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    url = config["repository"]["url"].rstrip("/")
    assert f'"git+{url}"' in SETUP_CELL, f"tests/setup_cell.py must install from git+{url}"
    assert config["launch_buttons"]["colab_url"] == "https://colab.research.google.com"


#: Tags that keep a cell's code out of the HTML (nbval still runs the cell).
HIDDEN_CODE = {"remove-input", "remove-cell", "hide-input", "hide-cell"}
#: A line of a check-only cell: an assertion, a goal check or a checked claim, or the
#: continuation of one.
CHECK_START = ("assert", "report.check(", "report.verify(")
CHECK_MORE = (")", "]", "}", "for ", "and ", "or ", "if ", "f\"", "\"", "'")
#: Widest line of text output: what the book's column shows without a scroll bar.
OUTPUT_WIDTH = 77
#: Widest figure in CSS pixels: the book's column (helpers.plot.MAX_WIDTH at 100 dpi).
FIGURE_WIDTH = 680


def is_check_only(cell: dict) -> bool:
    """True for a code cell that only checks (asserts, report.check, report.verify)."""
    lines = [ln.strip() for ln in "".join(cell["source"]).splitlines()]
    lines = [ln for ln in lines if ln and not ln.startswith("#")]
    return bool(lines) and any(ln.startswith(CHECK_START) for ln in lines) and all(
        ln.startswith(CHECK_START + CHECK_MORE) or ln.endswith((",", "(", "[")) for ln in lines
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_checks_are_hidden_from_the_html_reader(path: Path):
    """Cells that only check show the reader their one-line result, not their code."""
    shown = [
        i for i, c in enumerate(code_cells(load(path)), 1)
        if is_check_only(c) and not HIDDEN_CODE & set(tags(c))
    ]
    assert not shown, f"check-only code cells {shown} must be tagged remove-input"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_text_outputs_fit_the_column(path: Path):
    wide = []
    for i, cell in enumerate(code_cells(load(path)), 1):
        for out in cell["outputs"]:
            text = "".join(out.get("text", "")) + "".join(out.get("data", {}).get("text/plain", ""))
            wide += [(i, len(ln)) for ln in text.splitlines() if len(ln) > OUTPUT_WIDTH]
    assert not wide, f"output lines over {OUTPUT_WIDTH} characters (cell, length): {wide[:8]}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_figures_are_sharp_and_fit_the_column(path: Path):
    """Every PNG is stored at twice its shown size (retina, set by repro.setup) and shown
    no wider than the column, so it is never scaled, up or down."""
    bad = []
    for i, cell in enumerate(code_cells(load(path)), 1):
        for out in cell["outputs"]:
            if "image/png" not in out.get("data", {}):
                continue
            width = out.get("metadata", {}).get("image/png", {}).get("width")
            if width is None or int(width) > FIGURE_WIDTH:
                bad.append((i, width))
    assert not bad, (
        f"figures (cell, shown width) not retina or wider than {FIGURE_WIDTH} px: {bad}; "
        f"make them at most helpers.plot.MAX_WIDTH inches wide"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_headline_figures_are_described(path: Path):
    """Results at a glance shows each figure's description (report.figure(desc=...))."""
    bare = [
        meta["figure"]
        for c in code_cells(load(path)) for out in c["outputs"]
        if "figure" in (meta := out.get("metadata", {}).get("book", {})) and not meta.get("desc")
    ]
    assert not bare, f"headline figures without a description (desc=): {bare}"


#: Bookkeeping calls that record a number for the prose or the results page: they belong
#: in hidden cells (README, "each number once").
BOOKKEEPING = ("report.figure(", "report.glue(")
#: Notebooks that still showed bookkeeping in a visible cell when this test was added (their
#: owners are moving it); this list only shrinks.
BOOKKEEPING_IN_VIEW_ALLOWED: set[str] = set()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_bookkeeping_is_hidden_from_the_html_reader(path: Path):
    """No visible code cell records a figure or glues a number: the reader sees each
    number once, printed or in a sentence, not also in the code that records it."""
    rel = path.relative_to(ROOT).as_posix()
    shown = [
        i for i, c in enumerate(code_cells(load(path)), 1)
        if any(call in "".join(c["source"]) for call in BOOKKEEPING)
        and not HIDDEN_CODE & set(tags(c))
    ]
    if rel in BOOKKEEPING_IN_VIEW_ALLOWED and shown:
        pytest.skip(f"{rel}: bookkeeping still in view in cells {shown} (allowed for now)")
    assert not shown, (
        f"code cells {shown} call report.figure/report.glue in view: move the calls into "
        f"a hidden cell (remove-cell if the number is already visible, else remove-input)"
    )
