"""Sphinx extension: every figure's image gets its caption as alt text.

MyST-NB renders a notebook's figure output as an image with no ``alt``, and the HTML
writer then falls back to the image's file name (a hash under ``_images/``), which is
what a screen reader would announce. This extension copies the first sentence of the
figure's caption into the image's ``alt`` (and, for a figure without a caption, a
description of where it comes from), for every page, without editing any notebook. An
``alt`` set explicitly (``image.alt`` in a cell's metadata, or ``:alt:`` in Markdown) is
kept.
"""

from __future__ import annotations

import re

from docutils import nodes

#: The end of the first sentence of a caption: a full stop (or ? or !) followed by a space
#: and a capital letter, or the end of the text. "e.g. x" and "Fig. 2" do not end it.
SENTENCE = re.compile(r"^(.{20,}?[.!?])(?=\s+[A-Z(])")
MAX_CHARS = 250


def first_sentence(text: str) -> str:
    """The first sentence of ``text`` (whitespace collapsed), at most ``MAX_CHARS`` long."""
    text = " ".join(text.split())
    match = SENTENCE.match(text)
    sentence = match.group(1) if match else text
    if len(sentence) > MAX_CHARS:
        sentence = sentence[: MAX_CHARS - 1].rsplit(" ", 1)[0] + "…"
    return sentence


def alt_from_captions(app, doctree: nodes.document, docname: str) -> None:
    """Give every image without ``alt`` the first sentence of its figure's caption."""
    title = app.env.titles.get(docname)
    page = title.astext() if title is not None else docname
    for image in doctree.findall(nodes.image):
        if image.get("alt"):
            continue
        figure = image.parent
        while figure is not None and not isinstance(figure, nodes.figure):
            figure = figure.parent
        captions = list(figure.findall(nodes.caption)) if figure is not None else []
        if captions and captions[0].astext().strip():
            image["alt"] = first_sentence(captions[0].astext())
        else:
            image["alt"] = f"A figure of the page {page}."


def setup(app):  # noqa: D103 (Sphinx's entry point)
    app.connect("doctree-resolved", alt_from_captions)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
