"""Headline figures, goal checks and numbers for the prose (``glue``).

Every measured result a notebook reports goes through this module:

- :func:`figure` shows ``name: value`` on a line of its own (the form readers, reviewers
  and the results page look for) and glues the value under ``name``, so that the prose
  can quote it with ``{glue:text}`name:.4f``` instead of a number typed by hand;
- :func:`check` asserts the figure's goal and shows ``goal met: name >= 0.99``; a missed
  goal raises :class:`AssertionError` with the value and the goal;
- :func:`glue` glues any other number the prose quotes (a count, a ratio), shown nowhere.

The appendix page *Results at a glance* collects every :func:`figure` and :func:`check`
output of the stored notebooks. The glue outputs are MyST-NB's own
(:func:`myst_nb.glue`); where ``myst_nb`` is not installed (Google Colab) the same output
is written by hand, so the notebooks run and store the same outputs everywhere.
"""

from __future__ import annotations

import math
import numbers
import operator
from typing import Any

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


def figure(name: str, value: float | int, fmt: str | None = None) -> None:
    """Show the headline figure ``name: value`` and glue ``value`` under ``name``.

    Parameters
    ----------
    name: the figure's name as the issue or the text gives it (snake_case).
    value: a finite real number (a NumPy scalar is fine).
    fmt: a format spec for the shown value (e.g. ``".4f"``); see :func:`format_value`.

    Raises
    ------
    ValueError: for a name that is not snake_case or a value that is not a finite number.
    """
    _check_name(name)
    value = _check_number(value, "value")
    text = format_value(value, fmt)
    _display({"text/plain": f"{name}: {text}"}, {METADATA_KEY: {"figure": name}})
    glue(name, value)


def check(name: str, value: float | int, op: str, goal: float | int) -> None:
    """Assert that figure ``name`` meets its goal (``value op goal``) and say so.

    ``op`` is one of ``<=``, ``<``, ``>=``, ``>``, ``==``. Shows ``goal met: name >= goal``
    (deterministic, so nbval compares it); raises :class:`AssertionError` naming the
    figure, its value and its goal when the goal is missed.
    """
    _check_name(name)
    if op not in _OPS:
        raise ValueError(f"op must be one of {sorted(_OPS)}, got {op!r}")
    value = _check_number(value, "value")
    goal = _check_number(goal, "goal")
    if not _OPS[op](value, goal):
        raise AssertionError(f"{name} = {value!r} misses its goal {op} {goal!r}")
    shown = f"{_SHOWN[op]} {format_value(goal)}"
    _display({"text/plain": f"goal met: {name} {op} {format_value(goal)}"},
             {METADATA_KEY: {"goal": name, "target": shown}})
