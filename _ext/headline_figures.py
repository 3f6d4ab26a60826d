"""Sphinx extension: the ``headline-figures`` directive of the page *Results at a glance*.

It reads the notebooks listed in ``_toc.yml``, in toc order, and collects from their
*stored* outputs every headline figure (``helpers.report.figure``: output metadata
``book.figure``) and every goal check (``helpers.report.check``: ``book.goal``). It renders
one table: figure, value, goal, notebook. Nothing is typed by hand, so the page always
shows what the notebooks computed; a notebook that adds a figure adds a row.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective

KEY = "book"


def toc_files(srcdir: Path) -> list[str]:
    """Every ``file:`` entry of ``_toc.yml``, in order."""
    toc = yaml.safe_load((srcdir / "_toc.yml").read_text(encoding="utf-8"))
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if "file" in node:
                found.append(str(node["file"]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(toc)
    return found


def collect(notebook: Path) -> list[dict[str, str]]:
    """The headline figures of one stored notebook: name, value and goal (if checked)."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    rows: dict[str, dict[str, str]] = {}
    for cell in cells:
        for out in cell.get("outputs", []) if cell["cell_type"] == "code" else []:
            meta = out.get("metadata", {}).get(KEY, {})
            text = "".join(out.get("data", {}).get("text/plain", ""))
            if "figure" in meta:
                name = meta["figure"]
                value = text.split(": ", 1)[1] if ": " in text else text
                rows.setdefault(name, {"name": name, "goal": ""})["value"] = value
            elif "goal" in meta:
                rows.setdefault(meta["goal"], {"name": meta["goal"], "value": ""})["goal"] = (
                    meta.get("target", "")
                )
    return list(rows.values())


class HeadlineFigures(SphinxDirective):
    """``{headline-figures}``: the table of every headline figure of the book."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        srcdir = Path(self.env.srcdir)
        lines = [
            "| Figure | Value | Goal | Notebook |",
            "|---|---|---|---|",
        ]
        for entry in toc_files(srcdir):
            path = srcdir / f"{entry}.ipynb"
            if not path.is_file():
                continue
            self.env.note_dependency(str(path))
            for row in collect(path):
                goal = row["goal"].replace("|", "\\|") or "—"
                lines.append(
                    f"| `{row['name']}` | {row['value'] or '—'} | {goal} "
                    f"| {{doc}}`/{entry}` |"
                )
        container = nodes.container(classes=["headline-figures"])
        self.state.nested_parse(StringList(lines, source="headline-figures"), 0, container)
        return [container]


def setup(app):  # noqa: D103 (Sphinx's entry point)
    app.add_directive("headline-figures", HeadlineFigures)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
