"""Generate the student edition of every chapter from its one source notebook.

Usage (from the repository root)::

    python -m superposition.student            # (re)write book/student/NN_name.ipynb for every chapter
    python -m superposition.student --check    # exit 1 if a committed student notebook is out of date
    python -m superposition.student --list     # list every chapter's exercises (labels, titles, sizes)

A chapter is a notebook listed in ``_toc.yml`` whose file name starts with its
number (``book/01_representation.ipynb`` is chapter 1).  Its exercises follow
the five-cell shape of ``book/contributing.md``::

    markdown   ```{exercise} Title   with  :label: ex-…
    markdown   ```{solution-start} ex-…   (:class: dropdown)
    code       tag "solution": one ``def my_…(…):`` with a docstring (imports before it are kept)
    markdown   ```{solution-end}
    code       tag "exercise-check": calls the chapter's check

In the student edition the solution-start and solution-end cells are dropped,
the solution cell becomes a stub that keeps the signature and docstring and
raises ``NotImplementedError("Exercise C.k: Title")``, the exercise directive
becomes plain Markdown (JupyterLab does not render MyST directives), and the
check cell stays, tagged ``raises-exception`` so that *Run All* in JupyterLab
goes on past exercises that are not done yet.  Every output is cleared and
execution metadata is dropped, so regenerating from an unchanged chapter gives
a byte-identical file.  A header cell says what the notebook is and links to
the chapter in the book.
"""

from __future__ import annotations

import argparse
import ast
import copy
import json
import math
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import nbformat

__all__ = [
    "ContractError",
    "Exercise",
    "book_config",
    "chapter_number",
    "chapters",
    "exercises",
    "find_root",
    "make_student_notebook",
    "student_path",
    "stub_source",
    "write_student_editions",
]

STUDENT_DIR = "student"
SOLUTION_TAG = "solution"
CHECK_TAG = "exercise-check"
STUB_TAG = "exercise"
HEADER_CELL_ID = "student-edition-header"

# The time estimates of book/teachers.md (printed by --list): mathematical prose read with its equations at
# about 120 words a minute, 3 minutes to study each figure, 15 minutes per exercise (write, check, fix).
WORDS_PER_MINUTE = 120
MINUTES_PER_FIGURE = 3
MINUTES_PER_EXERCISE = 15

_CHAPTER_NAME = re.compile(r"^(\d+)_[A-Za-z0-9_]+$")
_FENCE_OPEN = re.compile(r"^(?P<fence>`{3,}|:{3,})\{(?P<name>[a-z-]+)\}[ \t]*(?P<arg>.*?)[ \t]*$")
_OPTION = re.compile(r"^:(?P<key>[A-Za-z_-]+):[ \t]*(?P<value>.*?)[ \t]*$")


class ContractError(ValueError):
    """A chapter notebook does not follow the exercise shape of book/contributing.md."""


@dataclass(frozen=True)
class Exercise:
    """One exercise of a chapter: where its five cells are, and what it is called."""

    chapter: int
    number: int  # k: 1, 2, … in order of appearance in the chapter
    label: str
    title: str
    statement: int  # index of the statement cell
    solution: int  # index of the solution code cell (solution-start is solution - 1)
    check: int  # index of the exercise-check cell (solution-end is check - 1)

    @property
    def name(self) -> str:
        return f"Exercise {self.chapter}.{self.number}"

    @property
    def stub_message(self) -> str:
        return f"{self.name}: {self.title}"


# ----------------------------------------------------------------------------------------------- configuration


def find_root(start: str | Path | None = None) -> Path:
    """The book's root: the nearest folder holding ``_toc.yml``, from ``start`` (default: cwd) upward."""
    candidates = [Path(start) if start else Path.cwd(), Path(__file__).resolve().parent]
    for base in candidates:
        for folder in (base.resolve(), *base.resolve().parents):
            if (folder / "_toc.yml").is_file():
                return folder
    raise FileNotFoundError("no _toc.yml found: run this from the book's repository")


def _yaml(path: Path) -> dict:
    import yaml

    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh) or {}


def book_config(root: str | Path) -> dict:
    """The parsed ``_config.yml`` of the book at ``root``."""
    return _yaml(Path(root) / "_config.yml")


def _toc_files(entry) -> list[str]:
    files: list[str] = []
    if isinstance(entry, dict):
        for key in ("root", "file"):
            if isinstance(entry.get(key), str):
                files.append(entry[key])
        for key in ("parts", "chapters", "sections"):
            for sub in entry.get(key) or []:
                files += _toc_files(sub)
    return files


def chapters(root: str | Path) -> list[Path]:
    """The chapter notebooks listed in ``_toc.yml``, in order (absolute paths)."""
    root = Path(root)
    found = []
    for file in _toc_files(_yaml(root / "_toc.yml")):
        path = root / (file if file.endswith(".ipynb") else file + ".ipynb")
        if path.is_file() and _CHAPTER_NAME.match(path.stem):
            found.append(path)
    return found


def chapter_number(path: str | Path) -> int:
    """The chapter number C from the file name ``NN_name.ipynb``."""
    match = _CHAPTER_NAME.match(Path(path).stem)
    if not match:
        raise ValueError(f"{path}: a chapter's file name starts with its number, e.g. 01_representation.ipynb")
    return int(match.group(1))


def student_path(chapter: str | Path) -> Path:
    """Where the student edition of ``chapter`` lives: ``<chapter folder>/student/<same name>``."""
    chapter = Path(chapter)
    return chapter.parent / STUDENT_DIR / chapter.name


# ----------------------------------------------------------------------------------------------- parsing


def _source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def _directive(markdown: str, name: str) -> tuple[int, int, str, dict, list[str]] | None:
    """Find the first ``name`` directive in ``markdown``: (first line, last line, argument, options, body lines)."""
    lines = markdown.splitlines()
    for i, line in enumerate(lines):
        m = _FENCE_OPEN.match(line.strip())
        if not m or m.group("name") != name:
            continue
        fence = m.group("fence")
        end = len(lines)
        for j in range(i + 1, len(lines)):
            closing = lines[j].strip()
            if closing and set(closing) == {fence[0]} and len(closing) >= len(fence):
                end = j
                break
        body = lines[i + 1 : end]
        options: dict[str, str] = {}
        while body and _OPTION.match(body[0].strip()):
            opt = _OPTION.match(body[0].strip())
            options[opt.group("key")] = opt.group("value")
            body = body[1:]
        return i, min(end, len(lines) - 1), m.group("arg"), options, body
    return None


def exercises(nb: nbformat.NotebookNode, chapter: int) -> list[Exercise]:
    """Every exercise of a chapter notebook, checked against the five-cell shape.

    Raises :class:`ContractError` naming the cell and the rule when the shape is broken.
    """
    cells = nb["cells"]
    found: list[Exercise] = []

    def where(i: int) -> str:
        return f"cell {i} ({cells[i]['cell_type']}: {_source(cells[i]).strip()[:60]!r})"

    for i, cell in enumerate(cells):
        md = _source(cell) if cell["cell_type"] == "markdown" else ""
        if cell["cell_type"] == "markdown" and (_directive(md, "solution-start") or _directive(md, "solution-end")):
            is_start = _directive(md, "solution-start") is not None
            neighbour = i + 1 if is_start else i - 1
            if not (0 <= neighbour < len(cells) and SOLUTION_TAG in _tags(cells[neighbour])):
                raise ContractError(
                    f"{where(i)}: a solution-{'start' if is_start else 'end'} cell must be "
                    f"{'followed' if is_start else 'preceded'} by a code cell tagged '{SOLUTION_TAG}'"
                )
        if SOLUTION_TAG not in _tags(cell):
            continue
        if cell["cell_type"] != "code":
            raise ContractError(f"{where(i)}: only code cells carry the '{SOLUTION_TAG}' tag")
        rules = [
            (i - 2, "markdown", lambda c: _directive(_source(c), "exercise"), "the exercise statement (```{exercise})"),
            (i - 1, "markdown", lambda c: _directive(_source(c), "solution-start"), "```{solution-start}"),
            (i + 1, "markdown", lambda c: _directive(_source(c), "solution-end"), "```{solution-end}"),
            (i + 2, "code", lambda c: CHECK_TAG in _tags(c), f"a code cell tagged '{CHECK_TAG}'"),
        ]
        for j, kind, ok, what in rules:
            if not (0 <= j < len(cells)) or cells[j]["cell_type"] != kind or not ok(cells[j]):
                raise ContractError(f"{where(i)}: the cell {j - i:+d} from a solution cell must be {what}")
        _, _, title, options, _ = _directive(_source(cells[i - 2]), "exercise")
        label = options.get("label", "")
        _, _, target, start_options, _ = _directive(_source(cells[i - 1]), "solution-start")
        if not label or target != label:
            raise ContractError(
                f"{where(i - 2)}: the exercise needs a :label: and its solution-start must name it "
                f"(label {label!r}, solution-start {target!r})"
            )
        if "dropdown" not in start_options.get("class", "").split():
            raise ContractError(f"{where(i - 1)}: a solution-start needs ':class: dropdown' (closed by default)")
        stub_source(_source(cell), "probe")  # raises ContractError when the cell is not one documented function
        found.append(Exercise(chapter, len(found) + 1, label, title.strip() or label, i - 2, i, i + 2))
    return found


def _solution_function(source: str) -> ast.FunctionDef:
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise ContractError(f"a solution cell does not parse: {exc}") from None
    imports = (ast.Import, ast.ImportFrom)
    body = tree.body
    if not body or not isinstance(body[-1], ast.FunctionDef) or not all(isinstance(n, imports) for n in body[:-1]):
        raise ContractError(
            "a solution cell must hold exactly one function definition `def my_…(…):`, after imports if it needs "
            f"them, and nothing else (found: {', '.join(type(n).__name__ for n in body) or 'nothing'})"
        )
    fn = body[-1]
    doc = fn.body[0] if fn.body else None
    if not (isinstance(doc, ast.Expr) and isinstance(getattr(doc, "value", None), ast.Constant)
            and isinstance(doc.value.value, str)):
        raise ContractError(f"the solution function {fn.name} needs a docstring saying what to compute")
    if len(fn.body) < 2:
        raise ContractError(f"the solution function {fn.name} has a docstring but no body")
    return fn


def solution_body_lines(source: str) -> list[str]:
    """The lines of a solution's body after its docstring (what the student edition must not contain)."""
    fn = _solution_function(source)
    lines = source.splitlines()
    return lines[fn.body[0].end_lineno : fn.end_lineno]


def stub_source(source: str, message: str) -> str:
    """The student stub of a solution cell: its imports, the decorators, signature and docstring of its function,
    then ``raise NotImplementedError``."""
    fn = _solution_function(source)
    lines = source.splitlines()
    doc = fn.body[0]
    head = lines[: doc.end_lineno]
    indent = re.match(r"[ \t]*", lines[doc.lineno - 1]).group(0)
    literal = json.dumps(message, ensure_ascii=False)  # a JSON string literal is a valid Python one
    return "\n".join(head + [f"{indent}raise NotImplementedError({literal})"])


# ----------------------------------------------------------------------------------------------- generation


def _plain_statement(markdown: str, exercise: Exercise) -> str:
    """Turn the ```{exercise} directive into Markdown that JupyterLab renders."""
    first, last, _, _, body = _directive(markdown, "exercise")
    lines = markdown.splitlines()
    while body and not body[0].strip():
        body = body[1:]
    block = [f"### {exercise.name}: {exercise.title}", ""] + body
    return "\n".join(lines[:first] + block + lines[last + 1 :]).rstrip() + "\n"


def _chapter_title(nb) -> str:
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            for line in _source(cell).splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return ""


def _book_link(root: Path, chapter: Path) -> str:
    config = book_config(root)
    rel = chapter.relative_to(root).with_suffix("")
    baseurl = ((config.get("html") or {}).get("baseurl") or "").rstrip("/")
    if baseurl:
        return f"{baseurl}/{rel.as_posix()}.html"
    repo = config.get("repository") or {}
    url = (repo.get("url") or "").rstrip("/")
    branch = repo.get("branch") or "main"
    return f"{url}/blob/{branch}/{rel.as_posix()}.ipynb" if url else f"../{chapter.name}"


def _header(root: Path, chapter: Path, nb, found: list[Exercise]) -> str:
    number = chapter_number(chapter)
    title = _chapter_title(nb)
    rel = chapter.relative_to(root).as_posix()
    count = f"{len(found)} exercise{'s' if len(found) != 1 else ''}"
    return (
        f"**Student edition of chapter {number}{' (' + title + ')' if title else ''}** of *Computation in "
        f"Superposition*, with its "
        f"{count} left for you to do. [Read the chapter in the book]({_book_link(root, chapter)}) for the "
        "rendered mathematics, the figures and the worked solutions.\n"
        "\n"
        "- Each exercise is a function whose signature and docstring are given and whose body is "
        "`raise NotImplementedError(...)`. Replace that line with your code and run the cell.\n"
        "- Then run the check cell below it: it confirms your function or names the likely mistake. Until an "
        "exercise is done its check shows `NotImplementedError`; *Run All* goes on past it.\n"
        "\n"
        f"*Generated from `{rel}` by `python -m superposition.student`; edit that chapter, not this file.*\n"
    )


def make_student_notebook(chapter: str | Path, root: str | Path | None = None) -> nbformat.NotebookNode:
    """The student edition of the chapter notebook at ``chapter`` (an nbformat notebook, not written)."""
    import nbformat

    chapter = Path(chapter).resolve()
    root = find_root(chapter.parent) if root is None else Path(root).resolve()
    nb = nbformat.read(chapter, as_version=4)
    number = chapter_number(chapter)
    try:
        found = exercises(nb, number)
    except ContractError as exc:
        raise ContractError(f"{chapter.relative_to(root)}: {exc}") from None
    by_solution = {ex.solution: ex for ex in found}
    by_statement = {ex.statement: ex for ex in found}
    dropped = {ex.solution - 1 for ex in found} | {ex.solution + 1 for ex in found}
    checks = {ex.check for ex in found}

    cells = [
        nbformat.v4.new_markdown_cell(_header(root, chapter, nb, found), id=HEADER_CELL_ID),
    ]
    for i, cell in enumerate(nb["cells"]):
        if i in dropped:
            continue
        cell = copy.deepcopy(cell)
        cell["metadata"].pop("execution", None)
        if cell["cell_type"] == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
        tags = _tags(cell)
        if i in by_solution:
            cell["source"] = stub_source(_source(cell), by_solution[i].stub_message)
            tags = [STUB_TAG if t == SOLUTION_TAG else t for t in tags]
        elif i in by_statement:
            cell["source"] = _plain_statement(_source(cell), by_statement[i])
        elif i in checks and "raises-exception" not in tags:
            tags.append("raises-exception")
        if tags:
            cell["metadata"]["tags"] = tags
        cells.append(cell)

    out = nbformat.v4.new_notebook()
    out["cells"] = cells
    out["nbformat"], out["nbformat_minor"] = nb["nbformat"], max(nb.get("nbformat_minor", 5), 5)
    meta = {"language_info": {"name": "python"}}
    if "kernelspec" in nb["metadata"]:
        meta["kernelspec"] = nb["metadata"]["kernelspec"]
    out["metadata"] = meta
    return out


def render(nb: nbformat.NotebookNode) -> str:
    """The exact text a student notebook is saved as."""
    import nbformat

    text = nbformat.writes(nb)
    return text if text.endswith("\n") else text + "\n"


def write_student_editions(root: str | Path | None = None, *, check: bool = False) -> list[Path]:
    """Write (or, with ``check``, only compare) the student edition of every chapter; return the stale ones."""
    root = find_root() if root is None else Path(root).resolve()
    stale = []
    for chapter in chapters(root):
        target = student_path(chapter)
        text = render(make_student_notebook(chapter, root))
        if target.is_file() and target.read_text(encoding="utf-8") == text:
            continue
        stale.append(target)
        if not check:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
    return stale


def _words(nb) -> int:
    text = " ".join(_source(c) for c in nb["cells"] if c["cell_type"] == "markdown")
    text = re.sub(r"\$\$.*?\$\$|\$[^$]*\$", " ", text, flags=re.S)
    return len(re.findall(r"[A-Za-z][A-Za-z'’-]*", text))


def _list(root: Path) -> None:
    import nbformat

    for chapter in chapters(root):
        nb = nbformat.read(chapter, as_version=4)
        found = exercises(nb, chapter_number(chapter))
        figures = sum(1 for c in nb["cells"] if "figure" in c.get("metadata", {}).get("mystnb", {}))
        reading = 5 * math.ceil((_words(nb) / WORDS_PER_MINUTE + MINUTES_PER_FIGURE * figures) / 5)
        print(f"{chapter.relative_to(root)}: {_words(nb)} words of prose, {figures} figures, "
              f"{len(found)} exercises; estimated reading {reading} min, exercises "
              f"{MINUTES_PER_EXERCISE * len(found)} min")
        for ex in found:
            print(f"  {ex.name}  {ex.label}  {ex.title}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m superposition.student", description=__doc__.split("\n")[0])
    parser.add_argument("--root", help="the book's root folder (default: found from the current folder)")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a student notebook is stale")
    parser.add_argument("--list", action="store_true", help="list every chapter's exercises and size")
    args = parser.parse_args(argv)
    root = find_root(args.root)
    if args.list:
        _list(root)
        return 0
    try:
        stale = write_student_editions(root, check=args.check)
    except ContractError as exc:
        print(f"error: {exc}\n(see 'Exercises' in book/contributing.md)", file=sys.stderr)
        return 2
    for path in stale:
        rel = path.relative_to(root)
        print(f"{'out of date' if args.check else 'wrote'}: {rel}")
    if args.check and stale:
        print("run `python -m superposition.student` and commit the result", file=sys.stderr)
        return 1
    if not stale:
        print("student editions are up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
