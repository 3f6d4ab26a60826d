"""Sphinx extension: each script once per page.

sphinx-thebe adds its inline configuration (``const THEBE_JS_URL = ...``) each time the
environment is read, so a page could carry it twice, and the browser then reports
``SyntaxError: Identifier 'THEBE_JS_URL' has already been declared``. This extension
drops repeated script entries (same file, same inline body, whatever their priority) from
every page's context.
"""

from __future__ import annotations


def scripts_once(app, pagename, templatename, context, doctree) -> None:  # noqa: ARG001
    """Keep the first of identical script entries of ``context["script_files"]``."""
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, kept = set(), []
    for script in scripts:
        # Same file and same inline body (the priority may differ between the copies).
        # An inline script's file name is None or "", depending on who added it.
        key = (str(getattr(script, "filename", script) or ""),
               getattr(script, "attributes", {}).get("body", ""))
        if key not in seen:
            seen.add(key)
            kept.append(script)
    scripts[:] = kept


def setup(app):  # noqa: D103 (Sphinx's entry point)
    # Early: html-page-context stops at the first handler that returns a template name.
    app.connect("html-page-context", scripts_once, priority=100)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
