"""Sphinx extension: the ``helpers-api`` directive of the page *The helpers package*.

It writes one section per module of the ``helpers`` package (every ``helpers/*.py`` whose
name does not start with ``_``), in the order of the package's docstring and then
alphabetically, and fills it with ``automodule`` (``:members:``, ``:undoc-members:``), so
a module or a function added to the package appears on the page without editing it.
``sphinx.ext.viewcode`` adds the *[source]* link of every entry.
"""

from __future__ import annotations

import importlib
import pkgutil
import re

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import nested_parse_with_titles

PACKAGE = "helpers"
#: numpy-style sections whose entries the book writes as ``name: description``.
FIELD_SECTIONS = {"Parameters", "Other Parameters", "Raises", "Warns", "Attributes"}
#: One entry: names (``x``, ``kernel, recurrent_kernel``, ``ValueError``), a colon, text.
FIELD = re.compile(r"^([A-Za-z_][\w.]*(?:,\s*[A-Za-z_][\w.]*)*):\s+(.*)$")


def module_names() -> list[str]:
    """The public modules of ``helpers``: first in the order its docstring lists them
    (``:mod:`helpers.x```), then any others alphabetically."""
    package = importlib.import_module(PACKAGE)
    found = sorted(m.name for m in pkgutil.iter_modules(package.__path__)
                   if not m.name.startswith("_"))
    listed = re.findall(rf":mod:`{PACKAGE}\.(\w+)`", package.__doc__ or "")
    ordered = [name for name in dict.fromkeys(listed) if name in found]
    return ordered + [name for name in found if name not in ordered]


def numpy_fields(lines: list[str]) -> None:
    """Rewrite, in place, the entries of a docstring's Parameters and Raises sections from
    the book's compact ``name: description`` to numpy's ``name`` + indented description,
    so that napoleon shows the description as such (not as the parameter's type). Entries
    already in numpy's form are kept. A sentence after a blank line that is not an entry
    ends the section (it stays prose)."""
    out: list[str] = []
    section = None
    i = 0
    while i < len(lines):
        line = lines[i]
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if line.strip() and nxt.strip() and set(nxt.strip()) == {"-"}:
            section = line.strip() if line.strip() in FIELD_SECTIONS else None
            body = lines[i + 2:]
            end = next((k for k in range(len(body) - 1) if not body[k].strip()
                        and k + 2 < len(body) and body[k + 2].strip()
                        and set(body[k + 2].strip()) == {"-"}), len(body))
            if line.strip() in ("Returns", "Yields") and body and len(body[0].split()) > 3:
                # Prose, not numpy's "type" line: one field, so napoleon leaves it whole.
                text = [ln.strip() for ln in body[:end] if ln.strip()]
                while out and not out[-1].strip():
                    out.pop()
                out += ["", ""]  # two blank lines end napoleon's previous section
                out += [f":{line.strip().lower()}: {text[0]}"] + ["   " + t for t in text[1:]]
                out += [""]
                i += 2 + end
                continue
            out += [line, nxt]
            i += 2
            continue
        match = FIELD.match(line) if section else None
        if match:
            out += [match.group(1), "    " + match.group(2)]
        elif (section and line[:1].strip() and out and not out[-1].strip()
              and len(line.split()) > 4):
            section = None  # prose after the section: two blank lines end it
            out += ["", line]
        else:
            out += [line]
        i += 1
    lines[:] = out


def process_docstring(app, what, name, obj, options, lines) -> None:  # noqa: ARG001
    """``autodoc-process-docstring``, before napoleon: see :func:`numpy_fields`."""
    if name.startswith(f"{PACKAGE}."):
        numpy_fields(lines)


class HelpersApi(SphinxDirective):
    """``helpers-api``: one section per module of ``helpers``, by autodoc."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        result: list[nodes.Node] = []
        for name in module_names():
            full = f"{PACKAGE}.{name}"
            section = nodes.section(ids=[f"module-section-{name}"])
            section += nodes.title(text=full)
            lines = [
                f".. automodule:: {full}",
                "   :members:",
                "   :undoc-members:",
                "   :show-inheritance:",
                "   :member-order: bysource",
            ]
            nested_parse_with_titles(self.state, StringList(lines, source="helpers-api"),
                                     section)
            result.append(section)
        return result


def setup(app):  # noqa: D103 (Sphinx's entry point)
    app.add_directive("helpers-api", HelpersApi)
    # Before napoleon (priority 500), which turns the sections into field lists.
    app.connect("autodoc-process-docstring", process_docstring, priority=400)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
