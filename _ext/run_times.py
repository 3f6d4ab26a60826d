"""Sphinx extension: the role ``{run-time}`notebook``` on the chapter landing pages, and
the directive ``{run-times-note}`` that says what those times mean.

It states how long a notebook took to run, measured, not typed: the sum over its code
cells of the execution time stamps stored with the outputs (``execution`` in each cell's
metadata, written by ``make execute``), as ``conftest.expected_seconds`` reads them.
The notebooks are executed on a 2-core CPU with one thread (``make execute`` under the
book's ``cpuslot``), so that is what the number means. A notebook without time stamps
shows "not measured".
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from docutils import nodes
from sphinx.util.docutils import SphinxDirective, SphinxRole


def notebook_seconds(path: Path) -> float | None:
    """Seconds the stored outputs of the notebook at ``path`` took to compute, or None."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    total, timed = 0.0, False
    for cell in cells:
        stamps = cell.get("metadata", {}).get("execution", {})
        start, end = stamps.get("iopub.status.busy"), stamps.get("shell.execute_reply")
        if start and end:
            total += (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()
            timed = True
    return total if timed else None


def duration(seconds: float) -> str:
    """``seconds`` for a reader: "8 s", "45 s", "2 min 10 s" (rounded to 5 s above 1 min)."""
    if seconds < 60:
        return f"{max(1, round(seconds))} s"
    total = int(5 * round(seconds / 5))
    minutes, rest = divmod(total, 60)
    return f"{minutes} min {rest} s" if rest else f"{minutes} min"


class RunTime(SphinxRole):
    """``{run-time}`name```: the measured run time of ``name.ipynb`` beside this page."""

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        here = Path(self.env.doc2path(self.env.docname)).parent
        path = (here / self.text.strip()).with_suffix(".ipynb")
        if not path.is_file():
            msg = self.inliner.reporter.error(f"run-time: no notebook {path.name}",
                                              line=self.lineno)
            return [], [msg]
        self.env.note_dependency(str(path))
        seconds = notebook_seconds(path)
        text = "not measured" if seconds is None else duration(seconds)
        return [nodes.inline(text=text, classes=["run-time"])], []


class RunTimesNote(SphinxDirective):
    """``{run-times-note}``: what the run times of the table above mean."""

    def run(self) -> list[nodes.Node]:
        para = nodes.paragraph(classes=["run-times-note"])
        para += nodes.emphasis(text="Run time")
        para += nodes.Text(
            ": how long the notebook took to run top to bottom when its stored outputs were "
            "made, measured from the time stamps saved with them, on a 2-core CPU with one "
            "thread (as ")
        para += nodes.literal(text="make test")
        para += nodes.Text(
            " runs it). In Google Colab the notebooks were not timed; there the first run "
            "also installs the book's ")
        para += nodes.literal(text="helpers")
        para += nodes.Text(" package and downloads the data sets.")
        return [para]


def setup(app):  # noqa: D103 (Sphinx's entry point)
    app.add_role("run-time", RunTime())
    app.add_directive("run-times-note", RunTimesNote)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
