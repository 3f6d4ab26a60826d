"""Headline figures, goal checks and numbers for the prose (``glue``).

Every measured result a notebook reports goes through this module:

- :func:`figure` shows ``name: value`` on a line of its own (the form readers, reviewers
  and the results page look for) and glues the value under ``name``, so that the prose
  can quote it with ``{glue:text}`name:.4f``` instead of a number typed by hand;
- :func:`check` asserts the figure's goal and shows one readable line,
  ``✓ checked: test accuracy of the article's CNN ≥ 0.99``; a missed goal raises
  :class:`AssertionError` with the value and the goal. Each goal has a *kind*: a ``target``
  (what the experiment sets out to reach), a ``sanity`` bound (a floor that only catches a
  broken pipeline) or an ``exact`` value (a count, a shape);
- :func:`verify` states any other checked claim in words (``✓ checked: the two agree``) and
  raises :class:`AssertionError` when it is false: the book's replacement for a bare
  ``assert`` in view of the reader (the cells holding only checks are tagged
  ``remove-input``, so the HTML shows the ✓ line and not the code);
- :func:`glue` glues any other number the prose quotes (a count, a ratio), shown nowhere.

A figure may carry a one-line description and a unit (``desc=``, ``unit=``): the HTML shows
the description beside the value, the plain text stays ``name: value``, and the page
*Results at a glance* lists the description.

The appendix page *Results at a glance* collects every :func:`figure` and :func:`check`
output of the stored notebooks. The glue outputs are MyST-NB's own
(:func:`myst_nb.glue`); where ``myst_nb`` is not installed (Google Colab) the same output
is written by hand, so the notebooks run and store the same outputs everywhere.
"""

from __future__ import annotations

import html
import math
import numbers
import operator
import textwrap
from typing import Any

import numpy as np

#: Cell-output metadata key that marks a headline figure or a goal check.
METADATA_KEY = "book"
#: MyST-NB's mime prefix for glued values that are not displayed.
GLUE_PREFIX = "application/papermill.record/"

_OPS = {
    "<=": operator.le,
    "<": operator.lt,
    ">=": operator.ge,
    ">": operator.gt,
    "==": operator.eq,
}
_SHOWN = {"<=": "≤", "<": "<", ">=": "≥", ">": ">", "==": "="}
#: The kinds of goal :func:`check` knows (see the module's docstring).
KINDS = ("target", "sanity", "exact")
#: Widest line of text a notebook output may have: what the book's column shows.
WIDTH = 77
#: Descriptions and units of the figures shown so far in this kernel, for :func:`check`.
_DESCRIBED: dict[str, tuple[str, str]] = {}


def _check_name(name: object) -> str:
    if not isinstance(name, str) or not name or not name[0].islower():
        raise ValueError(f"name must be a snake_case identifier, got {name!r}")
    if not all(ch.islower() or ch.isdigit() or ch == "_" for ch in name):
        raise ValueError(f"name must be a snake_case identifier, got {name!r}")
    return name


def _check_number(value: object, what: str) -> float | int:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{what} must be a real number, got {type(value).__name__} {value!r}")
    if isinstance(value, numbers.Integral):
        return int(value)
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{what} must be finite, got {value}")
    return value


def _display(data: dict[str, Any], metadata: dict[str, Any]) -> None:
    from IPython.display import display

    display(data, raw=True, metadata=metadata)


def glue(name: str, value: float | int | str) -> None:
    """Glue ``value`` under ``name`` for the prose, without showing it.

    In a Markdown cell, ``{glue:text}`name``` (or ``{glue:text}`name:.3f``` for a number)
    then shows the value in the built book. Uses :func:`myst_nb.glue` where MyST-NB is
    installed and writes the identical output by hand elsewhere.
    """
    _check_name(name)
    if not isinstance(value, str):
        value = _check_number(value, "value")
    try:
        from myst_nb import glue as myst_glue
    except ImportError:
        _display(
            {GLUE_PREFIX + "text/plain": repr(value)},
            {"scrapbook": {"name": name, "mime_prefix": GLUE_PREFIX}},
        )
    else:
        myst_glue(name, value, display=False)


def format_value(value: float | int, fmt: str | None = None) -> str:
    """Format a figure: ``fmt`` if given, else integers in full and floats with
    4 significant digits (``0.9921``, ``3.58e-07``)."""
    value = _check_number(value, "value")
    if fmt is not None:
        return format(value, fmt)
    if isinstance(value, int):
        return str(value)
    return format(value, ".4g")


def _check_text(text: object, what: str) -> str:
    if not isinstance(text, str):
        raise ValueError(f"{what} must be a string, got {type(text).__name__} {text!r}")
    if "\n" in text:
        raise ValueError(f"{what} must be one line, got {text!r}")
    return text.strip()


def _wrap(text: str) -> str:
    """``text`` wrapped to :data:`WIDTH` columns, continuation lines indented."""
    return "\n".join(textwrap.wrap(text, WIDTH, subsequent_indent="  ")) or text


def figure(
    name: str,
    value: float | int,
    fmt: str | None = None,
    *,
    desc: str | None = None,
    unit: str = "",
) -> None:
    """Show the headline figure ``name: value`` and glue ``value`` under ``name``.

    Parameters
    ----------
    name: the figure's name as the issue or the text gives it (snake_case).
    value: a finite real number (a NumPy scalar is fine).
    fmt: a format spec for the shown value (e.g. ``".4f"``); see :func:`format_value`.
    desc: what the figure measures, in one line a student understands (shown in the
        HTML and on the page *Results at a glance*).
    unit: the unit of ``value`` (``"dB"``, ``"s"``), if it has one.

    Raises
    ------
    ValueError: for a name that is not snake_case, a value that is not a finite number,
        or a description or unit that is not one line of text.
    """
    _check_name(name)
    value = _check_number(value, "value")
    unit = _check_text(unit, "unit")
    desc = None if desc is None else _check_text(desc, "desc") or None
    text = format_value(value, fmt)
    meta: dict[str, Any] = {"figure": name}
    data = {"text/plain": f"{name}: {text}"}
    if desc is not None:
        meta.update(desc=desc, unit=unit)
        _DESCRIBED[name] = (desc, unit)
        shown = html.escape(f"{text} {unit}".strip())
        data["text/html"] = (
            f'<p class="book-figure" title="{name}">{html.escape(desc[0].upper() + desc[1:])}: '
            f"<strong>{shown}</strong></p>"
        )
    _display(data, {METADATA_KEY: meta})
    glue(name, value)


def check(
    name: str,
    value: float | int,
    op: str,
    goal: float | int,
    kind: str = "target",
    met: bool = True,
) -> None:
    """Assert that figure ``name`` meets its goal (``value op goal``) and say so.

    ``op`` is one of ``<=``, ``<``, ``>=``, ``>``, ``==``; ``kind`` is ``"target"``,
    ``"sanity"`` or ``"exact"`` (see the module's docstring). Shows one line,
    ``✓ checked: <description or name> ≥ goal`` (deterministic, so nbval compares it);
    raises :class:`AssertionError` naming the figure, its value and its goal when the goal
    is missed.

    A target the book sets but does not reach is recorded with ``met=False``: then the
    check asserts that the goal is *missed* (so a run that reaches it fails, and the text
    that says "missed" gets revisited) and shows ``✗ goal not met: ... ≥ goal``; the page
    *Results at a glance* marks it as not met.

    Raises
    ------
    ValueError: for an unknown ``op`` or ``kind``, a bad name or a non-finite number.
    """
    _check_name(name)
    if op not in _OPS:
        raise ValueError(f"op must be one of {sorted(_OPS)}, got {op!r}")
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    if not isinstance(met, bool):
        raise ValueError(f"met must be True or False, got {met!r}")
    value = _check_number(value, "value")
    goal = _check_number(goal, "goal")
    if _OPS[op](value, goal) != met:
        verb = "misses its goal" if met else "now meets the goal it was said to miss:"
        raise AssertionError(f"{name} = {value!r} {verb} {op} {goal!r}")
    desc, unit = _DESCRIBED.get(name, (name, ""))
    target = f"{_SHOWN[op]} {format_value(goal)} {unit}".strip()
    shown = "✓ checked" if met else "✗ goal not met"
    meta = {"goal": name, "target": target, "kind": kind}
    if not met:
        meta["met"] = False
    _display({"text/plain": _wrap(f"{shown}: {desc} {target}")}, {METADATA_KEY: meta})


def verify(claim: str, condition: bool) -> None:
    """Check a claim stated in words and show ``✓ checked: <claim>``.

    The book's replacement for a bare ``assert`` in view of the reader: ``condition`` is
    the computed truth of ``claim`` (a Python or NumPy bool).

    Raises
    ------
    AssertionError: when ``condition`` is false, quoting the claim.
    ValueError: for an empty or multi-line claim, or a condition that is not a bool (an
        array or a number would hide what is checked).
    """
    claim = _check_text(claim, "claim")
    if not claim:
        raise ValueError("claim must say what is checked, got an empty string")
    if not isinstance(condition, (bool, np.bool_)):
        raise ValueError(
            f"condition must be a bool, got {type(condition).__name__} {condition!r}"
        )
    if not condition:
        raise AssertionError(f"not true: {claim}")
    _display({"text/plain": _wrap(f"✓ checked: {claim}")}, {METADATA_KEY: {"verify": claim}})
