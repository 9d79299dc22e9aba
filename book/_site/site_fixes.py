"""Two fixes for the pinned Jupyter Book 1 stack (Sphinx 7.4.7, sphinx-thebe 0.3.1, pydata-sphinx-theme 0.17.1).

Loaded through ``sphinx.local_extensions`` in ``_config.yml``. Both problems showed up as JavaScript errors in the
browser tests (``tests/browser``), on every page:

1. ``Uncaught SyntaxError: Identifier 'THEBE_JS_URL' has already been declared``: sphinx-thebe adds its inline
   configuration script with ``app.add_js_file(None, body=...)``; Sphinx keeps it once under the file name ``None``
   and once more under ``''``, so every page declares the same ``const`` twice. We drop the repeated inline script
   from each page's script list.
2. ``Got invalid theme mode: . Resetting to auto.``: Jupyter Book 1 leaves the theme's ``default_mode`` (an ``html_context`` value) empty, so a
   first-time reader's browser logs an error before the theme falls back to "auto". We set "auto" explicitly.

And one accessibility fix (axe-core rule ``aria-required-children``, critical): docutils writes the bibliography as
``<div role="list" class="citation-list">`` whose children are ``role="doc-biblioentry"``, not list items, so
assistive technology is told about a list with no items. We drop that ``role="list"``.
"""

from __future__ import annotations


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


def _fix_citation_list_role(app, pagename, templatename, context, doctree):
    body = context.get("body")
    if body and 'role="list" class="citation-list"' in body:
        context["body"] = body.replace('<div role="list" class="citation-list">', '<div class="citation-list">')


def setup(app):
    app.connect("config-inited", _set_default_mode)
    app.connect("html-page-context", _drop_repeated_inline_scripts)
    app.connect("html-page-context", _fix_citation_list_role)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
