"""helpers.report: headline figures, goal checks and glue, as stored in a notebook."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import report


@pytest.fixture
def shown(monkeypatch):
    """Collect what report would display, as (data, metadata) pairs."""
    out: list[tuple[dict, dict]] = []
    monkeypatch.setattr(report, "_display", lambda data, metadata: out.append((data, metadata)))
    return out


def test_figure_shows_name_value_and_glues(shown):
    report.figure("seed_cnn_test_acc", np.float32(0.99213))
    data, meta = shown[0]
    assert data == {"text/plain": "seed_cnn_test_acc: 0.9921"}
    assert meta == {"book": {"figure": "seed_cnn_test_acc"}}


def test_figure_formats():
    assert report.format_value(93322) == "93322"
    assert report.format_value(3.5801e-07) == "3.58e-07"
    assert report.format_value(0.5, ".3f") == "0.500"


def test_glue_matches_myst_nb(monkeypatch):
    """Without MyST-NB (Colab) the glue output is the one myst_nb.glue writes."""
    pytest.importorskip("myst_nb")
    import builtins

    from IPython.core.formatters import format_display_data

    seen = []
    monkeypatch.setattr(report, "_display", lambda d, m: seen.append((d, m)))
    real_import = builtins.__import__

    def no_myst(name, *args, **kwargs):
        if name.startswith("myst_nb"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_myst)
    report.glue("n_errors", 80)
    data, meta = seen[0]
    bundle, _ = format_display_data(80)
    assert data == {report.GLUE_PREFIX + k: v for k, v in bundle.items()}
    assert meta == {"scrapbook": {"name": "n_errors", "mime_prefix": report.GLUE_PREFIX}}


def test_check_passes_and_says_so(shown):
    report.check("conv_grad_rel_err", 2.4e-10, "<=", 1e-6)
    data, meta = shown[0]
    assert data == {"text/plain": "✓ checked: conv_grad_rel_err ≤ 1e-06"}
    assert meta == {"book": {"goal": "conv_grad_rel_err", "target": "≤ 1e-06", "kind": "target"}}


def test_figure_with_description(shown):
    """The HTML shows the description and unit; the text stays ``name: value``; a later
    check of the same figure quotes the description and the unit."""
    report.figure("sr_gain_db", 0.61234, ".2f", desc="gain over bicubic", unit="dB")
    report.check("sr_gain_db", 0.61234, ">=", 0.3, kind="sanity")
    (data, meta), (check_data, check_meta) = shown[0], shown[-1]
    assert data["text/plain"] == "sr_gain_db: 0.61"
    assert "Gain over bicubic: <strong>0.61 dB</strong>" in data["text/html"]
    assert meta == {"book": {"figure": "sr_gain_db", "desc": "gain over bicubic", "unit": "dB"}}
    assert check_data == {"text/plain": "✓ checked: gain over bicubic ≥ 0.3 dB"}
    assert check_meta["book"]["kind"] == "sanity"


def test_check_records_a_missed_goal(shown):
    """met=False shows the miss, and fails once the goal is reached."""
    report.figure("lead_db", 0.91, ".2f", desc="lead", unit="dB")
    report.check("lead_db", 0.91, ">=", 2, met=False)
    data, meta = shown[-1]
    assert data == {"text/plain": "✗ goal not met: lead ≥ 2 dB"}
    assert meta["book"]["met"] is False
    with pytest.raises(AssertionError, match="now meets the goal"):
        report.check("lead_db", 2.1, ">=", 2, met=False)
    with pytest.raises(ValueError, match="met must be"):
        report.check("lead_db", 0.91, ">=", 2, met=1)


def test_check_wraps_to_the_column(shown):
    report.figure("long_one", 1, desc="a description " * 8)
    report.check("long_one", 1, "==", 1, kind="exact")
    lines = shown[-1][0]["text/plain"].splitlines()
    assert len(lines) > 1 and all(len(line) <= report.WIDTH for line in lines)
    assert lines[1].startswith("  ")


def test_verify_states_the_claim(shown):
    report.verify("the two agree", np.float64(1e-9) < 1e-6)
    assert shown[0][0] == {"text/plain": "✓ checked: the two agree"}
    with pytest.raises(AssertionError, match="not true: they differ"):
        report.verify("they differ", False)
    assert len(shown) == 1


def test_check_fails_loudly(shown):
    with pytest.raises(AssertionError, match=r"seed_cnn_test_acc = 0.98 misses its goal >= 0.99"):
        report.check("seed_cnn_test_acc", 0.98, ">=", 0.99)
    assert not shown


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: report.figure("Bad Name", 1.0), "snake_case"),
        (lambda: report.figure("x", "0.9"), "real number"),
        (lambda: report.figure("x", float("nan")), "finite"),
        (lambda: report.figure("x", True), "real number"),
        (lambda: report.check("x", 1.0, "=>", 0.5), "op must be one of"),
        (lambda: report.check("x", 1.0, ">=", None), "goal must be a real number"),
        (lambda: report.glue("", 1), "snake_case"),
        (lambda: report.check("x", 1.0, ">=", 0.5, kind="goal"), "kind must be one of"),
        (lambda: report.figure("x", 1.0, desc="two\nlines"), "one line"),
        (lambda: report.figure("x", 1.0, unit=3), "unit must be a string"),
        (lambda: report.verify("", True), "empty"),
        (lambda: report.verify("array", np.array([True, True])), "must be a bool"),
        (lambda: report.verify("number", 1), "must be a bool"),
    ],
)
def test_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()
