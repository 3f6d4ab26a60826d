"""Sphinx extension: the ``headline-figures`` directive of the page *Results at a glance*.

It reads the notebooks listed in ``_toc.yml``, in toc order, and collects from their
*stored* outputs every headline figure (``helpers.report.figure``: output metadata
``book.figure``, with its description and unit) and every goal check
(``helpers.report.check``: ``book.goal``, with its kind). It renders one table per chapter:
what is measured, the value, the goal and its kind, and a link to the section of the
notebook that computes it. Nothing is typed by hand, so the page always shows what the
notebooks computed; a notebook that adds a figure adds a row.
"""

from __future__ import annotations

import html
import json
import posixpath
from pathlib import Path

import yaml
from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective

KEY = "book"
#: How the table names each kind of goal (``helpers.report.KINDS``).
KIND_WORDS = {"target": "target", "sanity": "sanity bound", "exact": "exact value"}


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


def heading(line: str) -> str | None:
    """The text of a Markdown heading line (``## Title``), else None."""
    stripped = line.strip()
    if not stripped.startswith("#"):
        return None
    level = len(stripped) - len(stripped.lstrip("#"))
    text = stripped[level:].strip()
    return text if level <= 6 and text and stripped[level:level + 1] == " " else None


def collect(notebook: Path) -> list[dict[str, str]]:
    """The headline figures of one stored notebook, in order: name, value, unit,
    description, goal, kind of goal and the title of the section that computes it."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    rows: dict[str, dict[str, str]] = {}
    section = ""
    for cell in cells:
        if cell["cell_type"] == "markdown":
            for line in "".join(cell["source"]).splitlines():
                section = heading(line) or section
            continue
        for out in cell.get("outputs", []) if cell["cell_type"] == "code" else []:
            meta = out.get("metadata", {}).get(KEY, {})
            text = "".join(out.get("data", {}).get("text/plain", ""))
            if "figure" in meta:
                name = meta["figure"]
                row = rows.setdefault(name, {"name": name, "goal": "", "kind": ""})
                row["value"] = text.split(": ", 1)[1] if ": " in text else text
                row["unit"] = meta.get("unit", "")
                row["desc"] = meta.get("desc", "")
                row["section"] = section
            elif "goal" in meta:
                row = rows.setdefault(
                    meta["goal"],
                    {"name": meta["goal"], "value": "", "unit": "", "desc": "", "section": section},
                )
                row["goal"] = meta.get("target", "")
                row["kind"] = meta.get("kind", "target")
                row["met"] = meta.get("met", True)
    return list(rows.values())


def escape(text: str) -> str:
    """``text`` safe inside a Markdown table cell."""
    return text.replace("|", "\\|").replace("`", "'")


class HeadlineFigures(SphinxDirective):
    """``{headline-figures}``: one table per chapter of every headline figure."""

    has_content = False

    def chapter_title(self, srcdir: Path, entry: str) -> str:
        index = srcdir / posixpath.dirname(entry) / "index.md"
        if index.is_file():
            for line in index.read_text(encoding="utf-8").splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
        return posixpath.dirname(entry)

    def run(self) -> list[nodes.Node]:
        srcdir = Path(self.env.srcdir)
        here = posixpath.dirname(self.env.docname)
        tables: dict[str, list[str]] = {}
        for entry in toc_files(srcdir):
            path = srcdir / f"{entry}.ipynb"
            if not path.is_file():
                continue
            self.env.note_dependency(str(path))
            lines = tables.setdefault(posixpath.dirname(entry), [])
            for row in collect(path):
                desc = row["desc"] or row["name"]
                what = f'<abbr title="{row["name"]}">{escape(html.escape(desc))}</abbr>'
                value = f"{row['value']} {row['unit']}".strip() or "—"
                goal = row["goal"]
                if goal:
                    kind = KIND_WORDS.get(row["kind"], row["kind"])
                    missed = "" if row.get("met", True) else ", **not met**"
                    goal = f"{goal} ({kind}{missed})"
                href = posixpath.relpath(f"{entry}.html", here)
                anchor = nodes.make_id(row["section"]) if row["section"] else ""
                target = f"{href}#{anchor}" if anchor else href
                where = row["section"] or entry
                link = f'<a href="{target}">{escape(html.escape(where))}</a>'
                lines.append(f"| {what} | {escape(value)} | {escape(goal) or '—'} | {link} |")
        result: list[nodes.Node] = []
        for folder, lines in tables.items():
            if not lines:
                continue
            result.append(nodes.rubric(text=self.chapter_title(srcdir, f"{folder}/x")))
            table = ["| What is measured | Value | Goal | Computed in |", "|---|---|---|---|"]
            container = nodes.container(classes=["headline-figures"])
            self.state.nested_parse(StringList(table + lines, source="headline-figures"), 0,
                                    container)
            result.append(container)
        return result


def setup(app):  # noqa: D103 (Sphinx's entry point)
    app.add_directive("headline-figures", HeadlineFigures)
    return {"version": "2.0", "parallel_read_safe": True, "parallel_write_safe": True}
