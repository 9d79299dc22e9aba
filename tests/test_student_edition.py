"""The student edition: generated from each chapter, never drifting, solution-free, runnable, and completable.

Every test runs on each chapter listed in _toc.yml and on the fixture chapter tests/fixtures/01_fixture.ipynb
(two exercises, a multi-line signature and docstring, a cell that is meant to raise).
"""

from __future__ import annotations

import copy
import re
import subprocess
import sys

import nbformat
import pytest
from book_helpers import CHAPTERS, FIXTURE_CHAPTER, REPO, chapter_id, errors, execute, read, text_output

from superposition.student import (
    CHECK_TAG,
    STUB_TAG,
    ContractError,
    chapter_number,
    exercises,
    make_student_notebook,
    render,
    solution_body_lines,
    stub_source,
    student_path,
    write_student_editions,
)

ALL = CHAPTERS + [FIXTURE_CHAPTER]


def _student(chapter):
    """The student notebook of a chapter: the committed file for a real chapter, freshly made for the fixture."""
    if chapter == FIXTURE_CHAPTER:
        return make_student_notebook(chapter, REPO)
    return read(student_path(chapter))


def _solutions(chapter) -> list[str]:
    nb = read(chapter)
    return [nb.cells[ex.solution].source for ex in exercises(nb, chapter_number(chapter))]


# --------------------------------------------------------------------------------------------- no drift


@pytest.mark.parametrize("chapter", CHAPTERS, ids=chapter_id)
def test_committed_student_notebook_is_exactly_what_the_generator_writes(chapter):
    committed = student_path(chapter)
    assert committed.is_file(), f"{committed.relative_to(REPO)} is missing: run `python -m superposition.student`"
    assert committed.read_text(encoding="utf-8") == render(make_student_notebook(chapter, REPO)), (
        f"{committed.relative_to(REPO)} is out of date with its chapter: run `python -m superposition.student` "
        "and commit the result"
    )


def test_every_student_notebook_belongs_to_a_chapter_in_the_toc():
    expected = {student_path(c) for c in CHAPTERS}
    present = set((REPO / "book" / "student").glob("*.ipynb"))
    assert present <= expected, f"student notebooks without a chapter: {sorted(p.name for p in present - expected)}"


@pytest.mark.parametrize("chapter", ALL, ids=chapter_id)
def test_generation_is_deterministic(chapter):
    assert render(make_student_notebook(chapter, REPO)) == render(make_student_notebook(chapter, REPO))


def test_check_mode_reports_a_stale_student_notebook(tmp_path):
    (tmp_path / "book").mkdir()
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: book/01_fixture\n")
    (tmp_path / "_config.yml").write_text("repository:\n  url: https://github.com/o/r\n  branch: main\n")
    (tmp_path / "book" / "01_fixture.ipynb").write_bytes(FIXTURE_CHAPTER.read_bytes())
    assert write_student_editions(tmp_path, check=True) == [tmp_path / "book" / "student" / "01_fixture.ipynb"]
    write_student_editions(tmp_path)
    assert write_student_editions(tmp_path, check=True) == []
    cli = [sys.executable, "-m", "superposition.student", "--check", "--root", str(tmp_path)]
    assert subprocess.run(cli, capture_output=True).returncode == 0
    (tmp_path / "book" / "student" / "01_fixture.ipynb").write_text("{}")
    assert subprocess.run(cli, capture_output=True).returncode == 1


# --------------------------------------------------------------------------------------------- shape


@pytest.mark.parametrize("chapter", ALL, ids=chapter_id)
def test_no_solution_code_survives(chapter):
    source = read(chapter)
    student = _student(chapter)
    found = exercises(source, chapter_number(chapter))
    solution_cells = {ex.solution for ex in found}
    # A line the chapter also has outside its solutions (say `return out`) is no leak.
    elsewhere = {line.strip() for i, c in enumerate(source.cells) if i not in solution_cells
                 for line in c.source.splitlines()}
    student_lines = {line.strip() for c in student.cells for line in c.source.splitlines()}
    for ex in found:
        for line in solution_body_lines(source.cells[ex.solution].source):
            stripped = line.strip()
            if stripped and not stripped.startswith("#") and stripped not in elsewhere:
                assert stripped not in student_lines, f"{ex.name}: solution line {stripped!r} is in the student edition"
    text = nbformat.writes(student)
    assert "{solution-start}" not in text and "{solution-end}" not in text
    assert not any("solution" in c.metadata.get("tags", []) for c in student.cells)


@pytest.mark.parametrize("chapter", ALL, ids=chapter_id)
def test_stubs_keep_signature_and_docstring_and_name_the_exercise(chapter):
    source = read(chapter)
    found = exercises(source, chapter_number(chapter))
    stubs = [c for c in _student(chapter).cells if STUB_TAG in c.metadata.get("tags", [])]
    assert len(stubs) == len(found)
    for ex, stub in zip(found, stubs):
        solution = source.cells[ex.solution].source
        head = solution[: solution.index(solution_body_lines(solution)[0])] if solution_body_lines(solution) else ""
        assert stub.source.startswith(head.rstrip("\n")), f"{ex.name}: signature or docstring changed"
        raise_line = f'raise NotImplementedError("Exercise {ex.chapter}.{ex.number}: {ex.title}")'
        assert stub.source.rstrip().endswith(raise_line)


@pytest.mark.parametrize("chapter", ALL, ids=chapter_id)
def test_outputs_are_cleared_and_a_header_links_to_the_book(chapter):
    student = _student(chapter)
    code = [c for c in student.cells if c.cell_type == "code"]
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code)
    header = student.cells[0]
    assert header.cell_type == "markdown" and "Student edition" in header.source
    assert re.search(r"\]\((https?://|\.\./)[^)]+\)", header.source), "the header links to the chapter in the book"


def test_stub_of_a_multi_line_signature():
    src = 'def my_f(\n    a,\n    b=1,\n):\n    """Do it.\n\n    More.\n    """\n    c = a + b\n    return c'
    assert stub_source(src, "Exercise 9.1: F") == (
        'def my_f(\n    a,\n    b=1,\n):\n    """Do it.\n\n    More.\n    """\n'
        '    raise NotImplementedError("Exercise 9.1: F")'
    )


def test_imports_before_the_solution_function_are_kept_in_the_stub():
    src = 'from scipy.special import gammaln\n\n\ndef my_f(x):\n    """Do it."""\n    return gammaln(x)'
    assert stub_source(src, "Exercise 9.2: G") == (
        'from scipy.special import gammaln\n\n\ndef my_f(x):\n    """Do it."""\n'
        '    raise NotImplementedError("Exercise 9.2: G")'
    )
    assert solution_body_lines(src) == ["    return gammaln(x)"]


@pytest.mark.parametrize(
    "solution, message",
    [
        ("x = 1\ndef my_f(x):\n    '''Doc.'''\n    return x", "exactly one function definition"),
        ("def my_g(x):\n    '''Doc.'''\n    return x\ndef my_f(x):\n    '''Doc.'''\n    return x",
         "exactly one function definition"),
        ("def my_f(x):\n    return x", "needs a docstring"),
        ("def my_f(x):\n    '''Doc.'''\n    return x\nmy_f(1)", "exactly one function definition"),
    ],
)
def test_a_solution_cell_breaking_the_contract_is_refused(solution, message):
    nb = read(FIXTURE_CHAPTER)
    ex = exercises(nb, 1)[0]
    nb.cells[ex.solution].source = solution
    with pytest.raises(ContractError, match=message):
        exercises(nb, 1)


def test_a_missing_solution_end_is_refused():
    nb = read(FIXTURE_CHAPTER)
    ex = exercises(nb, 1)[0]
    del nb.cells[ex.solution + 1]
    with pytest.raises(ContractError, match="solution-end"):
        exercises(nb, 1)


def test_a_solution_start_without_dropdown_is_refused():
    nb = read(FIXTURE_CHAPTER)
    ex = exercises(nb, 1)[0]
    nb.cells[ex.solution - 1].source = nb.cells[ex.solution - 1].source.replace(":class: dropdown\n", "")
    with pytest.raises(ContractError, match="dropdown"):
        exercises(nb, 1)


# --------------------------------------------------------------------------------------------- running


def _check_cells(nb):
    return [c for c in nb.cells if CHECK_TAG in c.metadata.get("tags", [])]


@pytest.mark.parametrize("chapter", ALL, ids=chapter_id)
def test_student_notebook_runs_and_only_the_stubs_fail(chapter):
    nb = execute(copy.deepcopy(_student(chapter)), student_path(chapter).parent
                 if student_path(chapter).parent.is_dir() else chapter.parent)
    number = chapter_number(chapter)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        tags = cell.metadata.get("tags", [])
        for err in errors(cell):
            if CHECK_TAG in tags:
                assert err["ename"] == "NotImplementedError", f"check cell failed with {err['ename']}: {err['evalue']}"
                assert f"Exercise {number}." in err["evalue"]
            else:
                assert "raises-exception" in tags, (
                    f"unexpected {err['ename']} ({err['evalue']}) in the student edition, in:\n{cell.source}\n"
                    "Does a cell after an exercise use the exercise's function? (see book/contributing.md)"
                )
    for k, cell in enumerate(_check_cells(nb), start=1):
        assert errors(cell), f"the check of Exercise {number}.{k} did not surface its stub"


# The fixture chapter only: for a real chapter this run repeats nbval's (the same cells and check cells, without the
# solution markers), and the tests above prove the student edition is exactly that chapter with stubs in.
@pytest.mark.parametrize("chapter", [FIXTURE_CHAPTER], ids=chapter_id)
def test_stubs_filled_with_the_reference_solution_pass_their_checks(chapter):
    nb = copy.deepcopy(_student(chapter))
    stubs = [c for c in nb.cells if STUB_TAG in c.metadata.get("tags", [])]
    solutions = _solutions(chapter)
    assert len(stubs) == len(solutions)
    for stub, solution in zip(stubs, solutions):
        stub.source = solution
    nb = execute(nb, student_path(chapter).parent if student_path(chapter).parent.is_dir() else chapter.parent)
    for cell in nb.cells:
        if cell.cell_type == "code" and "raises-exception" not in cell.metadata.get("tags", []) or \
                CHECK_TAG in cell.metadata.get("tags", []):
            assert not errors(cell), f"{errors(cell)[0]['ename']}: {errors(cell)[0]['evalue']} in:\n{cell.source}"
    for cell in _check_cells(nb):
        assert "passed" in text_output(cell), f"the check printed no confirmation: {text_output(cell)!r}"
