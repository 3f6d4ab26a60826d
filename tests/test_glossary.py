"""The glossary stays in step with the text: each term is introduced where it says."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from booktoc import ROOT

GLOSSARY = ROOT / "chapters" / "appendix" / "glossary.md"
ROW = re.compile(r"^\| (?P<en>[^|]+?) \| (?P<zh>[^|]+?) \| (?P<where>[^|]+?) \|$", re.M)
DOC = re.compile(r"\{doc\}`([^`<]+?)`")


def page_text(path: Path) -> str:
    if path.suffix == ".ipynb":
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    return path.read_text(encoding="utf-8")


def rows() -> list[tuple[str, list[str], list[Path]]]:
    found = []
    for m in ROW.finditer(GLOSSARY.read_text(encoding="utf-8")):
        if m["en"] in ("English", "---"):
            continue
        chinese = [t for t in re.split(r"[,/()（）、]\s*|\s+", m["zh"]) if re.search(r"[\u4e00-\u9fff]", t)]
        pages = []
        for target in DOC.findall(m["where"]):
            base = (GLOSSARY.parent / target).resolve()
            pages += [p for p in (base.with_suffix(".ipynb"), base.with_suffix(".md")) if p.is_file()]
        found.append((m["en"], chinese, pages))
    return found


ROWS = rows()


def test_glossary_has_rows():
    assert len(ROWS) >= 30


@pytest.mark.parametrize("english, chinese, pages", ROWS, ids=[r[0] for r in ROWS])
def test_term_is_introduced_where_the_glossary_says(english, chinese, pages):
    if not pages:  # a planned chapter: nothing to check yet
        return
    text = "\n".join(page_text(p) for p in pages)
    missing = [t for t in chinese if t not in text]
    assert not missing, f"{english}: {missing} not found in {[p.name for p in pages]}"
