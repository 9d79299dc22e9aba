"""The built book: launch buttons that work, the "Do the exercises" box, and the solution-free build.

``check_launch_buttons`` parses a chapter page of a built site.  It runs on every chapter of the real site
(``$BOOK_HTML_DIR`` or ``_build/html``, which ``make test`` builds before pytest) and on a small fixture book
built here twice, with and without solutions, from the real ``_config.yml``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote

import pytest
import yaml
from book_helpers import CHAPTERS, FIXTURE_CHAPTER, REPO, chapter_id, read, site_dir

from superposition.student import chapter_number, exercises, solution_body_lines, student_path, write_student_editions

CONFIG = yaml.safe_load((REPO / "_config.yml").read_text(encoding="utf-8"))


def _repo_parts(config) -> tuple[str, str, str, str]:
    url = config["repository"]["url"].rstrip("/")
    m = re.fullmatch(r"https://github\.com/([^/]+)/([^/]+?)(\.git)?", url)
    assert m, f"repository.url {url!r} is not a GitHub repository"
    return (config["launch_buttons"]["binderhub_url"].rstrip("/"), m.group(1), m.group(2),
            config["repository"].get("branch", "main"))


def _soup(path: Path):
    from bs4 import BeautifulSoup

    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def binder_paths(page: Path, config) -> list[str]:
    """The repository paths that the Binder links of ``page`` open; fails on a link to another repo or branch."""
    binder, org, repo, branch = _repo_parts(config)
    paths = []
    for a in _soup(page).find_all("a", href=True):
        href = a["href"]
        if not href.startswith(binder + "/v2/"):
            continue
        m = re.fullmatch(re.escape(f"{binder}/v2/gh/{org}/{repo}/{branch}") + r"\?urlpath=lab/tree/(.+)", href)
        assert m, f"{page.name}: Binder link {href} is not on {org}/{repo} branch {branch}"
        paths.append(unquote(m.group(1)))
    return paths


def check_launch_buttons(site: Path, root: Path, docname: str, config, *, tracked: bool, hidden: bool = False):
    """Every chapter page: Binder, Thebe and .ipynb download buttons, and the student notebook in Binder and
    as a download; every Binder link opens a notebook that exists in the repository at that path."""
    page = site / f"{docname}.html"
    html = page.read_text(encoding="utf-8")
    student = student_path(root / f"{docname}.ipynb").relative_to(root).as_posix()
    paths = binder_paths(page, config)
    expected = {student} if hidden else {f"{docname}.ipynb", student}
    assert set(paths) == expected, f"{docname}: Binder links open {paths}, expected {sorted(expected)}"
    for path in paths:
        assert path.endswith(".ipynb") and (root / path).is_file(), f"Binder would open a missing {path}"
        if tracked:
            git = subprocess.run(["git", "ls-files", "--error-unmatch", path], cwd=root, capture_output=True)
            assert git.returncode == 0, f"{path} is not committed, so Binder cannot open it"
    assert "initThebeSBT()" in html, f"{docname}: no Thebe (Live Code) button"
    soup = _soup(page)
    downloads = [a["href"] for a in soup.find_all("a", href=True) if a["href"].endswith(f"_sources/{docname}.ipynb")]
    assert downloads, f"{docname}: no .ipynb download button"
    assert (site / "_sources" / f"{docname}.ipynb").is_file()
    box = soup.select_one(".superposition-exercises")
    assert box is not None and "Do the exercises" in box.get_text(), f"{docname}: no 'Do the exercises' box"
    link = box.select_one("a.superposition-student-download")
    served = (page.parent / link["href"]).resolve()
    assert served.is_file(), f"{docname}: the student download {link['href']} is not in the site"
    assert served.read_bytes() == (root / student).read_bytes()
    assert box.select_one("a.superposition-student-binder")["href"].endswith(f"urlpath=lab/tree/{student}")


# --------------------------------------------------------------------------------------------- the real site


def _site_or_skip() -> Path:
    site = site_dir()
    if not (site / "index.html").is_file():
        if os.environ.get("CI"):
            pytest.fail(f"no built site at {site}: `make test` builds it before pytest")
        pytest.skip(f"no built site at {site} (run `make build-strict`, or set BOOK_HTML_DIR)")
    return site


@pytest.mark.site
@pytest.mark.parametrize("chapter", CHAPTERS, ids=chapter_id)
def test_chapter_page_launch_buttons_work(chapter):
    site = _site_or_skip()
    docname = chapter.relative_to(REPO).with_suffix("").as_posix()
    check_launch_buttons(site, REPO, docname, CONFIG, tracked=True)


@pytest.mark.site
def test_runtime_page_lists_every_chapter():
    site = _site_or_skip()
    soup = _soup(site / "book" / "runtimes.html")
    table = soup.find("table")
    assert table is not None, "the {nb-exec-table} rendered no table"
    text = table.get_text(" ")
    for chapter in CHAPTERS:
        assert chapter.stem in text, f"{chapter.stem} is missing from the execution-time table"


@pytest.mark.site
def test_dark_mode_css_is_on_every_chapter_page():
    site = _site_or_skip()
    css = (site / "_static" / "superposition.css").read_text(encoding="utf-8")
    dark_img = r'html\[data-theme="dark"\] \.bd-content div\.cell_output img[^{]*\{[^}]*background-color: #ffffff'
    assert re.search(dark_img, css)
    for chapter in CHAPTERS:
        html = (site / chapter.relative_to(REPO).with_suffix(".html")).read_text(encoding="utf-8")
        assert html.count("_static/superposition.css") == 1


# --------------------------------------------------------------------------------------------- a fixture book


def _build_fixture_book(tmp: Path, *, hidden: bool, via_config: bool = False) -> tuple[Path, Path, dict]:
    """Build the fixture chapter with the real _config.yml; ``hidden`` through the environment variable of
    ``make book-nosolutions``, or with ``via_config`` through ``hide_solutions: true`` in the config."""
    root = tmp / ("src-config" if via_config else "src")
    if not root.exists():
        (root / "book").mkdir(parents=True)
        config = dict(CONFIG)
        config["execute"] = dict(CONFIG["execute"], execute_notebooks="force")
        if via_config:
            config["sphinx"] = dict(CONFIG["sphinx"], config=dict(CONFIG["sphinx"]["config"], hide_solutions=True))
        (root / "_config.yml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
        (root / "_toc.yml").write_text(
            "format: jb-book\nroot: book/intro\nparts:\n  - caption: Chapters\n    numbered: true\n    chapters:\n"
            "      - file: book/01_fixture\n  - caption: Back matter\n    chapters:\n      - file: book/glossary\n"
            "      - file: book/runtimes\n      - file: book/bibliography\n", encoding="utf-8")
        (root / "book" / "intro.md").write_text("# Fixture book\n\nA book with one chapter.\n", encoding="utf-8")
        for name in ["glossary.md", "references.bib", "runtimes.md", "bibliography.md"]:
            shutil.copy(REPO / "book" / name, root / "book" / name)
        for name in ["_assets", "_site"]:
            if (REPO / "book" / name).exists():
                (root / "book" / name).symlink_to(REPO / "book" / name)
        shutil.copy(FIXTURE_CHAPTER, root / "book" / "01_fixture.ipynb")
        write_student_editions(root)
    out = tmp / ("nosolutions-config" if via_config else "nosolutions" if hidden else "full")
    env = dict(os.environ, SUPERPOSITION_HIDE_SOLUTIONS="1" if hidden and not via_config else "0",
               OPENBLAS_NUM_THREADS="1")
    jb = Path(sys.executable).with_name("jupyter-book")
    run = subprocess.run([str(jb), "build", "--all", "-W", "-n", "--keep-going", "--path-output", str(out), str(root)],
                         env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return root, out / "_build" / "html", yaml.safe_load((root / "_config.yml").read_text())


@pytest.fixture(scope="module")
def fixture_books(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fixture-book")
    root, full, config = _build_fixture_book(tmp, hidden=False)
    _, hidden, _ = _build_fixture_book(tmp, hidden=True)
    return root, full, {"env": (root, hidden)}, config


def test_hide_solutions_in_the_config_switches_the_solution_free_build_on(monkeypatch):
    """``hide_solutions: true`` reaches the same switch as the environment variable (whose build is tested below),
    and sphinx-exercise's own handling is turned off so that the whole solution block is removed."""
    from types import SimpleNamespace

    from superposition import sphinxext

    config = SimpleNamespace(hide_solutions=True, superposition_hide_solutions=False, html_static_path=[])
    monkeypatch.delenv(sphinxext.ENV_HIDE, raising=False)
    monkeypatch.delenv(sphinxext.ENV_TIMES, raising=False)
    sphinxext._on_config_inited(SimpleNamespace(), config)
    assert config.superposition_hide_solutions is True and config.hide_solutions is False


def _solution_lines() -> list[str]:
    nb = read(FIXTURE_CHAPTER)
    lines = []
    for ex in exercises(nb, chapter_number(FIXTURE_CHAPTER)):
        lines += [line.strip() for line in solution_body_lines(nb.cells[ex.solution].source)
                  if line.strip() and not line.strip().startswith("#")]
    return lines


def _site_text(site: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in site.rglob("*")
                     if p.is_file() and p.suffix in {".html", ".js", ".ipynb", ".txt", ".md"}
                     and "vendor" not in p.parts)


def test_fixture_book_launch_buttons_work(fixture_books):
    root, full, _, config = fixture_books
    check_launch_buttons(full, root, "book/01_fixture", config, tracked=False)


def test_full_build_shows_the_solutions(fixture_books):
    _, full, _, _ = fixture_books
    html = (full / "book" / "01_fixture.html").read_text(encoding="utf-8")
    text = _soup(full / "book" / "01_fixture.html").get_text()
    assert all(line in text for line in _solution_lines())
    assert 'class="solution dropdown' in html or "solution dropdown" in html, "solutions are not in closed dropdowns"


@pytest.mark.parametrize("switch", ["env"])
def test_nosolutions_build_has_no_solution_anywhere(fixture_books, switch):
    _, _, builds, config = fixture_books
    root, hidden = builds[switch]
    page = _soup(hidden / "book" / "01_fixture.html")
    text = page.get_text()
    assert "Square a number" in text and "check_against_reference" in text, "statements and checks stay"
    everything = _site_text(hidden)
    leaked = [line for line in _solution_lines() if line in everything]
    assert not leaked, f"solution code in the solution-free build: {leaked}"
    assert not page.select(".solution"), "a solution box survived"
    served = hidden / "_sources" / "book" / "01_fixture.ipynb"
    assert served.read_bytes() == (root / "book" / "student" / "01_fixture.ipynb").read_bytes()
    check_launch_buttons(hidden, root, "book/01_fixture", config, tracked=False, hidden=True)
