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


def code_cells(nb: dict) -> list[dict]:
    return [c for c in nb["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()]


def markers(cell: dict) -> set[str]:
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
    with_output = ignored = 0
    for i, cell in enumerate(code_cells(load(path)), 1):
        found = markers(cell)
        unknown = found - {"NBVAL_IGNORE_OUTPUT", "NBVAL_SKIP"}
        assert not unknown, f"cell {i}: marker(s) {unknown} not allowed in this book"
        lines = [ln.strip() for ln in "".join(cell["source"]).splitlines()]
        for j, line in enumerate(lines):
            if line.lstrip("#").strip() in found:
                reason = lines[j + 1] if j + 1 < len(lines) else ""
                assert reason.startswith("#") and len(reason.lstrip("# ")) >= 10, (
                    f"cell {i}: {line} must be followed by a comment line giving the reason"
                )
        if cell["outputs"] or found:
            with_output += 1
            ignored += bool(found)
    assert with_output, "no code cell with output"
    share = ignored / with_output
    assert share <= MAX_IGNORED, (
        f"{ignored} of {with_output} code cells with output ({share:.0%}) are ignored or "
        f"skipped by nbval; at most {MAX_IGNORED:.0%} may be"
    )


def test_setup_cell_points_at_the_repository():
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    url = config["repository"]["url"].rstrip("/")
    assert f'"git+{url}"' in SETUP_CELL, f"tests/setup_cell.py must install from git+{url}"
    assert config["launch_buttons"]["colab_url"] == "https://colab.research.google.com"
