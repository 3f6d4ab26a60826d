"""Sphinx extension: the ``headline-figures`` directive of the page *Results at a glance*.

It reads the notebooks listed in ``_toc.yml``, in toc order, and collects from their
*stored* outputs every headline figure (``helpers.report.figure``: output metadata
``book.figure``, with its description and unit) and every goal check
(``helpers.report.check``: ``book.goal``, with its kind). It renders one table per chapter:
what is measured, the value, the goal and its kind, and a link to the section of the
notebook that computes it. Nothing is typed by hand, so the page always shows what the
notebooks computed; a notebook that adds a figure adds a row.

The table is written as HTML with two columns so that it reads on a phone (400 px): what
is measured (the description, a plain-words note where a value would puzzle a student,
the link as "page › section" and the name the notebook prints), and the value with its
goal below it. Values are formatted once, here, one format per kind of number. Figures
that record how an experiment was run (a number of seeds) are settings, not results: they
are stated under their chapter's table instead of as rows.
"""

from __future__ import annotations

import html
import json
import posixpath
import re
from pathlib import Path

import yaml
from docutils import nodes
from sphinx.util.docutils import SphinxDirective

KEY = "book"
#: How the table names each kind of goal (``helpers.report.KINDS``).
KIND_WORDS = {"target": "target", "sanity": "sanity bound", "exact": "exact value"}
#: Figures that are settings of an experiment, not results (shown under the table).
SETTINGS = {"sr_seeds", "long_gap_seeds", "few_labels_seeds", "ch1_seeds",
            "segmentation_seeds", "detection_seeds"}
#: Plain words for values that would puzzle a student, by figure name.
NOTES = {
    "int8_test_acc_drop": "a negative value means the int8 model was slightly more "
                          "accurate than the float32 one",
    "int8_size_ratio": "below 1: the int8 file is smaller",
    "int8_latency_ratio": "above 1: int8 was slower than float32 on this CPU; below 1, "
                          "faster",
    "seed_ae_over_pca32_mse": "below 1: the autoencoder reconstructs better than PCA with "
                              "the same code size",
    "linear_ae_mse_over_pca_mse": "1 means the same error as PCA: a linear autoencoder can "
                                  "do no better",
    "anomaly_auc_ink_baseline": "AUC: 1 separates normal from anomalous digits perfectly, "
                                "0.5 is chance",
    "ae_anomaly_auc_leave_one_out_mean": "AUC for a digit class the autoencoder never saw "
                                         "(1 perfect, 0.5 chance)",
    "unet_minus_random_forest_iou_min": "negative: on its worst seed the U-Net was behind "
                                        "the forest; the 0.03 lead aimed for was not reached",
    "dae_minus_best_classical_db": "positive: the autoencoder denoises better; the 2 dB "
                                   "lead the book aimed for was not reached",
    "vae_test_elbo_nats": "lower is better; it bounds the value below from above",
    "rnn_long_gap_acc_mean": "chance is 0.1 (ten classes)",
    "lstm_default_long_gap_acc_mean": "chance is 0.1 (ten classes)",
    "sr_gain_over_bicubic_db_min": "positive: the network beats bicubic even on its worst "
                                   "photograph",
    "depth_to_space_max_abs_diff": "0: identical to the last bit",
    "filter_max_abs_diff_vs_scipy": "0: identical to the last bit",
    "psnr_vs_skimage_max_abs_diff": "0: identical to the last bit",
    "one_stage_minus_hog_ap50_min": "positive: the learned detector was ahead on every "
                                    "seed; the 8-point lead aimed for was not reached",
    "ap_vs_cocoeval_max_abs_diff": "about 1e-16: equal to COCOeval up to float rounding",
    "nms_vs_tf_mismatches": "0: the same windows kept on every test scene",
    "sr_gain_over_linear_db_mean": "positive: the network beats the least-squares linear "
                                   "filter",
    "tuned_cnn_minus_hog_fashion": "negative: HOG + linear was slightly ahead on average; "
                                   "the seeds overlap",
    "transfer_minus_scratch_same_lr_mean": "negative: transfer did worse than training from "
                                           "scratch at the same learning rate",
    "autoencoder_minus_random_init_mean": "negative: pretraining as an autoencoder did worse "
                                          "than starting from random weights",
}
SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


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


def format_number(text: str, unit: str = "") -> str:
    """One format per kind of number: integers with thin spaces (93 322), 0 as 0, small
    errors as 1.0 × 10⁻⁷ (two significant digits), decibels, degrees and nats with two
    decimals, other fractions and ratios with four; text that is not a number unchanged."""
    try:
        value = float(text)
    except ValueError:
        return text
    if value == 0:
        return "0"
    if value == int(value) and abs(value) >= 1 and "e" not in text.lower() and "." not in text:
        return f"{int(value):,}".replace(",", "\u2009")
    if abs(value) < 1e-3:
        mantissa, exponent = f"{value:.1e}".split("e")
        mantissa = mantissa.replace("-", "−")
        return f"{mantissa} × 10{str(int(exponent)).translate(SUPERSCRIPT)}"
    shown = f"{value:.2f}" if unit else f"{value:.4f}"
    return shown.replace("-", "−")


def format_goal(goal: str) -> str:
    """A goal such as ``≥ 0.99`` or ``≤ 1e-10 dB`` with its number formatted as values are."""
    match = re.match(r"^\s*([<>=≤≥]+)\s*(\S+)\s*(.*)$", goal)
    if not match:
        return goal
    op, number, unit = match.groups()
    try:
        value = float(number)
    except ValueError:
        return goal
    shown = format_number(number) if abs(value) < 1e-3 or value == int(value) else f"{value:g}"
    return f"{op} {shown} {unit}".strip()


def page_title(notebook: Path) -> str:
    """The title (first ``# `` heading) of a stored notebook."""
    for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] == "markdown":
            for line in "".join(cell["source"]).splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return notebook.stem


def row_html(row: dict[str, str], title: str, href: str) -> str:
    """One table row: what is measured (with note, link and name) and value with goal."""
    esc = html.escape
    desc = row["desc"] or row["name"]
    note = NOTES.get(row["name"], "")
    section = row["section"] if row["section"] and row["section"] != title else ""
    anchor = nodes.make_id(section) if section else ""
    where = f"{esc(title)} › {esc(section)}" if section else esc(title)
    link = f'<a href="{href}#{anchor}">{where}</a>' if anchor else f'<a href="{href}">{where}</a>'
    what = [f'<span class="hf-desc">{esc(desc[:1].upper() + desc[1:])}</span>']
    if note:
        what.append(f'<span class="hf-note">{esc(note[:1].upper() + note[1:])}.</span>')
    what.append(f'<span class="hf-where">in {link}</span>')
    what.append(f'<code class="hf-name">{esc(row["name"])}</code>')
    value = " ".join(x for x in (format_number(row["value"], row["unit"]), row["unit"]) if x)
    shown = [f'<span class="hf-value">{esc(value) or "—"}</span>']
    if row["goal"]:
        kind = KIND_WORDS.get(row["kind"], row["kind"])
        missed = ', <strong>not met</strong>' if not row.get("met", True) else ""
        shown.append(f'<span class="hf-goal">goal {esc(format_goal(row["goal"]))} '
                     f"({esc(kind)}{missed})</span>")
    return (f'<tr id="figure-{esc(row["name"])}"><td>{"".join(what)}</td>'
            f'<td class="hf-right">{"".join(shown)}</td></tr>')


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
        settings: dict[str, list[str]] = {}
        for entry in toc_files(srcdir):
            path = srcdir / f"{entry}.ipynb"
            if not path.is_file():
                continue
            self.env.note_dependency(str(path))
            folder = posixpath.dirname(entry)
            title = page_title(path)
            href = posixpath.relpath(f"{entry}.html", here)
            for row in collect(path):
                if row["name"] in SETTINGS:
                    settings.setdefault(folder, []).append(
                        f"{html.escape(row['desc'] or row['name'])} "
                        f"(<a href=\"{href}\">{html.escape(title)}</a>): "
                        f"{html.escape(format_number(row['value']))}")
                    continue
                tables.setdefault(folder, []).append(row_html(row, title, href))
        result: list[nodes.Node] = []
        for folder, rows in tables.items():
            result.append(nodes.rubric(text=self.chapter_title(srcdir, f"{folder}/x")))
            table = ('<table class="table headline-figures"><thead><tr>'
                     "<th>What is measured, and where</th><th>Value and goal</th></tr></thead>"
                     f"<tbody>{''.join(rows)}</tbody></table>")
            if folder in settings:
                table += ('<p class="hf-settings"><em>Settings of these experiments, not '
                          "results:</em> " + "; ".join(settings[folder]) + ".</p>")
            result.append(nodes.raw("", table, format="html"))
        return result


def setup(app):  # noqa: D103 (Sphinx's entry point)
    app.add_directive("headline-figures", HeadlineFigures)
    return {"version": "3.0", "parallel_read_safe": True, "parallel_write_safe": True}
