"""The course pages: the glossary is used by the chapters, and the teacher's page covers every exercise."""

from __future__ import annotations

import re

import pytest
from book_helpers import CHAPTERS, REPO, chapter_id, read

from superposition.student import chapter_number, exercises

GLOSSARY = REPO / "book" / "glossary.md"
TEACHERS = REPO / "book" / "teachers.md"
TERM_ROLE = re.compile(r"\{term\}`([^`]+)`")


def glossary_terms() -> set[str]:
    """The terms defined in book/glossary.md (Sphinx matches terms case-insensitively)."""
    text = GLOSSARY.read_text(encoding="utf-8")
    block = re.search(r"^(`{3,}|:{3,})\{glossary\}[^\n]*\n(.*?)^\1", text, flags=re.S | re.M)
    assert block, "book/glossary.md has no {glossary} directive"
    return {line.strip().lower() for line in block.group(2).splitlines()
            if line.strip() and not line[0].isspace() and not line.startswith(":")}


def term_targets(path) -> list[str]:
    """The glossary terms a chapter links with {term}`text` or {term}`text <target>`."""
    text = " ".join(c.source for c in read(path).cells if c.cell_type == "markdown")
    targets = []
    for role in TERM_ROLE.findall(text):
        m = re.search(r"<([^>]+)>\s*$", role)
        targets.append(" ".join((m.group(1) if m else role).split()).lower())  # Sphinx collapses whitespace
    return targets


def test_the_glossary_defines_the_terms_of_the_issue():
    for term in ["superposition", "feature", "interference", "coherence", "ε-accuracy", "u-and",
                 "decompression", "compression", "influence", "capacity"]:
        assert term in glossary_terms()


@pytest.mark.parametrize("chapter", CHAPTERS, ids=chapter_id)
def test_every_term_role_of_a_chapter_is_in_the_glossary(chapter):
    unknown = sorted(set(term_targets(chapter)) - glossary_terms())
    assert not unknown, f"{chapter.name} links terms the glossary does not define: {unknown}"


def test_every_glossary_term_is_linked_from_a_chapter():
    without = [c.name for c in CHAPTERS if not term_targets(c)]
    if without:
        pytest.skip(f"chapters that link no glossary term yet (still being written?): {without}; this test "
                    "turns itself on once every chapter links its terms")
    linked = {t for c in CHAPTERS for t in term_targets(c)}
    unused = sorted(glossary_terms() - linked)
    assert not unused, f"glossary terms no chapter links with {{term}}: {unused}"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=chapter_id)
def test_the_teachers_page_lists_every_exercise_of_the_chapter(chapter):
    page = TEACHERS.read_text(encoding="utf-8")
    missing = [ex.label for ex in exercises(read(chapter), chapter_number(chapter)) if ex.label not in page]
    assert not missing, (
        f"book/teachers.md does not mention {missing} of {chapter.name}: add them to its exercise table "
        "(`python -m superposition.student --list` lists every exercise)"
    )


def test_the_teachers_page_has_schedules_and_a_time_table():
    page = TEACHERS.read_text(encoding="utf-8").lower()
    for needle in ["learning goals", "prerequisites", "2-week", "4-week", "homework", "in class", "reading"]:
        assert needle in page, needle


@pytest.mark.parametrize("chapter", CHAPTERS, ids=chapter_id)
def test_every_figure_of_a_chapter_is_opaque(chapter):
    """Opaque figures keep their light background in dark mode (plotting.use_book_style draws them that way)."""
    import base64
    import io

    import numpy as np
    from PIL import Image

    for cell in read(chapter).cells:
        for out in cell.get("outputs", []):
            png = out.get("data", {}).get("image/png")
            if png:
                image = Image.open(io.BytesIO(base64.b64decode(png)))
                if image.mode in ("RGBA", "LA", "P"):
                    alpha = np.asarray(image.convert("RGBA"))[..., 3]
                    assert alpha.min() == 255, f"{chapter.name}: a figure has transparent pixels"


def test_no_reference_holds_tex_math():
    # The bibliography page loads no MathJax, so `$…$` in a title reaches the reader as raw TeX: write Unicode.
    bib = (REPO / "book" / "references.bib").read_text(encoding="utf-8")
    fields = [line.strip() for line in bib.splitlines() if "$" in line]
    assert fields == [], "book/references.bib has TeX math (use Unicode, e.g. ℤ₄):\n" + "\n".join(fields)
