"""Sphinx extension: no empty output boxes.

Keras draws ``model.summary()`` with *rich*, which in a notebook also emits an empty
HTML block (``<pre ...></pre>``) before the text; the HTML would show it as a blank grey
box above the summary. This extension drops every notebook output whose HTML has no
content (an empty ``<pre>`` or ``<div>``, or only white space) and every output container
left empty, on every page, without editing the notebooks.
"""

from __future__ import annotations

import re

from docutils import nodes

#: HTML with nothing to show: empty pre/div/span elements and white space.
EMPTY_HTML = re.compile(r"^(?:\s|<(pre|div|span)\b[^>]*>\s*</\1>)*$", re.I)


def is_empty_output(node: nodes.Node) -> bool:
    """True for a raw HTML node that shows nothing."""
    return (isinstance(node, nodes.raw) and "html" in node.get("format", "").split()
            and bool(EMPTY_HTML.match(node.astext())))


def drop_empty_outputs(app, doctree: nodes.document, docname: str) -> None:  # noqa: ARG001
    """Remove empty HTML outputs, then the output containers they leave empty."""
    for node in list(doctree.findall(is_empty_output)):
        parent = node.parent
        parent.remove(node)
        while (isinstance(parent, nodes.container) and not parent.children
               and parent.parent is not None):
            grand = parent.parent
            grand.remove(parent)
            parent = grand


def setup(app):  # noqa: D103 (Sphinx's entry point)
    app.connect("doctree-resolved", drop_empty_outputs)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
