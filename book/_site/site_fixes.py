"""Fixes for the pinned Jupyter Book 1 stack (Sphinx 7.4.7, sphinx-thebe 0.3.1, pydata-sphinx-theme 0.17.1).

Loaded through ``sphinx.local_extensions`` in ``_config.yml``. Found by the browser tests (``tests/browser``). Two
JavaScript errors on every page:

1. ``Uncaught SyntaxError: Identifier 'THEBE_JS_URL' has already been declared``: sphinx-thebe adds its inline
   configuration script with ``app.add_js_file(None, body=...)``; Sphinx keeps it once under the file name ``None``
   and once more under ``''``, so every page declares the same ``const`` twice. We drop the repeated inline script
   from each page's script list.
2. ``Got invalid theme mode: . Resetting to auto.``: Jupyter Book 1 leaves the theme's ``default_mode`` (an ``html_context`` value) empty, so a
   first-time reader's browser logs an error before the theme falls back to "auto". We set "auto" explicitly.

And one accessibility fix (axe-core rule ``aria-required-children``, critical): docutils writes the bibliography as
``<div role="list" class="citation-list">`` whose children are ``role="doc-biblioentry"``, not list items, so
assistive technology is told about a list with no items. We drop that ``role="list"``. Likewise myst-nb's hidden
cells (``hide-input``) get ``<summary aria-label="Toggle hidden content">`` around the visible text "Show code cell
source" (``label-content-name-mismatch``, serious): we drop the aria-label so the visible text is the name. And
``static/site-fixes.css`` darkens the link colour in the content to pass the WCAG AA contrast on tinted boxes.
"""

from __future__ import annotations

from pathlib import Path


def _set_default_mode(app, config):
    # pydata-sphinx-theme reads it from html_context (it is not a theme option).
    context = dict(config.html_context or {})
    if not context.get("default_mode"):
        context["default_mode"] = "auto"
        config.html_context = context


def _drop_repeated_inline_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, kept = set(), []
    for js in scripts:
        body = getattr(js, "attributes", {}).get("body") if not getattr(js, "filename", None) else None
        if body:
            if body in seen:
                continue
            seen.add(body)
        kept.append(js)
    if len(kept) != len(scripts):
        context["script_files"] = kept


def _fix_body_aria(app, pagename, templatename, context, doctree):
    body = context.get("body")
    if not body:
        return
    body = body.replace('<div role="list" class="citation-list">', '<div class="citation-list">')
    body = body.replace('<summary aria-label="Toggle hidden content">', "<summary>")
    context["body"] = body


def _add_static(app, config):
    config.html_static_path = [*config.html_static_path, str(Path(__file__).with_name("static"))]


def _nitpick_ignore_as_tuples(app, config):
    """YAML has no tuples; Sphinx looks ``(type, target)`` up in nitpick_ignore as a tuple."""
    config.nitpick_ignore = [tuple(entry) for entry in config.nitpick_ignore]


def setup(app):
    app.connect("config-inited", _nitpick_ignore_as_tuples)
    # MathJax on every page, not only on pages with equations: the navigation of every page holds chapter titles
    # with math (Sphinx's mathjax extension honours this policy; no other asset of this book consults it).
    app.set_html_assets_policy("always")
    app.connect("config-inited", _set_default_mode)
    app.connect("html-page-context", _drop_repeated_inline_scripts)
    app.connect("html-page-context", _fix_body_aria)
    app.connect("config-inited", _add_static)
    app.add_css_file("site-fixes.css")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
