"""A small Sphinx extension for the book: student-edition links, a solution-free build, dark-mode CSS.

Registered in ``_config.yml`` under ``sphinx.extra_extensions`` as ``superposition.sphinxext``.  It

* puts a **"Do the exercises"** box under the title of every chapter page, linking to the chapter's student
  notebook (``book/student/NN_name.ipynb``, made by ``python -m superposition.student``) in Binder and offering
  it for download, and adds the same Binder link to the page's launch (rocket) menu; the student notebooks are
  copied into the site at the same path as in the repository;
* builds the book **without solutions** when ``SUPERPOSITION_HIDE_SOLUTIONS=1`` is set in the environment (or
  ``hide_solutions: true`` is set under ``sphinx.config``; ``make book-nosolutions`` does the former).  It then
  removes every solution (the gated ``solution-start`` … ``solution-end`` blocks, code included, which
  sphinx-exercise's own ``hide_solutions`` leaves behind), serves the student notebook as the chapter's
  ``.ipynb`` download and points the chapter's Binder button at the student notebook;
* adds ``superposition.css`` (dark-mode rules for figures) from this package's own static folder, so nothing
  depends on a ``_static`` folder in the book.
"""

from __future__ import annotations

import html
import importlib.resources
import os
import shutil
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.transforms import SphinxTransform
from sphinx.util import logging

from .student import chapters, student_path

logger = logging.getLogger(__name__)

ENV_HIDE = "SUPERPOSITION_HIDE_SOLUTIONS"
STATIC = Path(str(importlib.resources.files("superposition") / "_static"))  # package data, installed or not
BANNER_CLASS = "superposition-exercises"


ENV_TIMES = "SUPERPOSITION_NOTEBOOK_TIMES"


def _notebook_times() -> dict | None:
    """The execution times nbval measured (``$SUPERPOSITION_NOTEBOOK_TIMES``, written by tests/conftest.py), if set.

    ``make test`` runs nbval first, which executes every chapter and proves its stored outputs reproduce; its
    strict build then renders those stored outputs (``nb_execution_mode = "off"``) and the runtimes page shows the
    times nbval measured, so no chapter is executed twice in one test run.
    """
    path = os.environ.get(ENV_TIMES, "").strip()
    if not path:
        return None
    import json

    return json.loads(Path(path).read_text(encoding="utf-8"))


def _on_doctree_read(app: Sphinx, doctree) -> None:
    times = getattr(app, "_superposition_times", None)
    if not times:
        return
    rec = times.get(Path(app.env.doc2path(app.env.docname, False)).as_posix())  # e.g. book/01_representation.ipynb
    if rec is None:
        return
    from myst_nb.sphinx_ import NbMetadataCollector

    NbMetadataCollector.set_exec_data(app.env, app.env.docname, {
        "mtime": rec["mtime"], "runtime": rec["runtime"], "method": "nbval", "succeeded": rec["succeeded"],
        "error": None if rec["succeeded"] else "nbval", "traceback": None})


def _env_flag() -> bool:
    return os.environ.get(ENV_HIDE, "").strip().lower() in {"1", "true", "yes", "on"}


def _on_config_inited(app: Sphinx, config) -> None:
    if _env_flag() or getattr(config, "hide_solutions", False):
        config.superposition_hide_solutions = True
    if config.superposition_hide_solutions:
        # sphinx-exercise's own switch would drop only the solution-start marker and leave the solution's code
        # cell on the page; keep the markers so that RemoveSolutions sees (and removes) the whole block.
        if hasattr(config, "hide_solutions"):
            config.hide_solutions = False
    config.html_static_path = list(config.html_static_path) + [str(STATIC)]
    app._superposition_times = _notebook_times()
    if app._superposition_times is not None:
        config.nb_execution_mode = "off"


class RemoveSolutions(SphinxTransform):
    """In a solution-free build, drop every solution node (after sphinx-exercise merged the gated ones)."""

    default_priority = 11  # sphinx-exercise's MergeGatedSolutions runs at 10

    def apply(self, **kwargs: object) -> None:
        if not self.config.superposition_hide_solutions:
            return
        from sphinx_exercise.nodes import solution_end_node, solution_node, solution_start_node

        for kind in (solution_node, solution_start_node, solution_end_node):
            for node in list(self.document.findall(kind)):
                node.parent.remove(node)


def _chapter_docs(app: Sphinx) -> dict[str, Path]:
    """docname -> student notebook, for every chapter of the table of contents."""
    if not hasattr(app, "_superposition_chapters"):
        src = Path(app.srcdir)
        app._superposition_chapters = {
            chapter.relative_to(src).with_suffix("").as_posix(): student_path(chapter) for chapter in chapters(src)
        }
    return app._superposition_chapters


def _on_builder_inited(app: Sphinx) -> None:
    for docname, student in _chapter_docs(app).items():
        if not student.is_file():
            logger.warning(
                f"{docname}: no student edition at {student.relative_to(app.srcdir)}; "
                "run `python -m superposition.student` and commit the result",
                type="superposition",
                subtype="student",
            )


def _launch_group(context) -> dict | None:
    for group in context.get("header_buttons", []):
        if group.get("label") == "launch-buttons":
            return group
    return None


def _binder_url_for(chapter_url: str, docname: str, target: str) -> str:
    """The chapter's Binder URL with its notebook path replaced by ``target`` (a repository path)."""
    return chapter_url.replace(f"/{docname}.ipynb", f"/{target}")


def _on_page_context(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    students = _chapter_docs(app)
    if pagename not in students or not students[pagename].is_file():
        return
    student_rel = students[pagename].relative_to(app.srcdir).as_posix()
    binder = ""
    group = _launch_group(context)
    if group is not None:
        for button in group["buttons"]:
            if button.get("text") == "Binder" and "url" in button:
                binder = _binder_url_for(button["url"], pagename, student_rel)
                if app.config.superposition_hide_solutions:
                    button["url"] = binder
        if binder and not app.config.superposition_hide_solutions:
            group["buttons"].insert(
                1,
                {
                    "type": "link",
                    "text": "Binder: exercises",
                    "tooltip": "Open the student edition (exercises without solutions) on Binder",
                    "icon": "_static/images/logo_binder.svg",
                    "url": binder,
                    "label": "launch-student-binder",
                },
            )
    download = context["pathto"](student_rel, 1)
    filename = f"{Path(student_rel).stem}_student.ipynb"
    links = []
    if binder:
        links.append(f'<a class="reference external superposition-student-binder" href="{html.escape(binder)}">'
                     "open the student notebook in Binder</a>")
    links.append(f'<a class="reference download superposition-student-download" href="{html.escape(download)}" '
                 f'download="{filename}">download it (.ipynb)</a>')
    banner = (
        f'<div class="admonition tip {BANNER_CLASS}">\n<p class="admonition-title">Do the exercises</p>\n'
        "<p>The student edition of this chapter has the same text with every exercise left for you to "
        f"write and its check ready to run: {' or '.join(links)}.</p>\n</div>\n"
    )
    body = context.get("body", "")
    end = body.find("</h1>")
    context["body"] = body[: end + 5] + "\n" + banner + body[end + 5 :] if end >= 0 else banner + body


def _on_build_finished(app: Sphinx, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    out = Path(app.outdir)
    for docname, student in _chapter_docs(app).items():
        if not student.is_file():
            continue
        target = out / student.relative_to(app.srcdir)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(student, target)
        source_copy = out / "_sources" / f"{docname}.ipynb"
        if app.config.superposition_hide_solutions and source_copy.exists():
            shutil.copyfile(student, source_copy)


def setup(app: Sphinx) -> dict:
    app.add_config_value("superposition_hide_solutions", False, "env", [bool])
    app.connect("config-inited", _on_config_inited, priority=900)
    app.connect("builder-inited", _on_builder_inited)
    app.connect("html-page-context", _on_page_context, priority=900)
    app.connect("build-finished", _on_build_finished)
    app.connect("doctree-read", _on_doctree_read)
    app.add_transform(RemoveSolutions)
    app.add_css_file("superposition.css")
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
