"""No chapter may take more than three times its benchmark time to execute in the book build.

The benchmark (``python -m superposition.bench``, book/data/bench.json) times each chapter in a fresh kernel on a
quiet machine. The build's own times are the ones the runtimes page shows readers; a stalled kernel (a wait of
minutes that is not computation) shows up there, and this test turns it into a failure.
"""

from __future__ import annotations

import json
import os
import re

import pytest
from book_helpers import CHAPTERS, REPO, site_dir

FACTOR = 3.0
BENCH = json.loads((REPO / "book" / "data" / "bench.json").read_text(encoding="utf-8"))


def benchmark_seconds(docname: str) -> float | None:
    """The benchmark's time for ``book/NN_name`` (record ``chapter_NN_name_s``), or None if it has none."""
    rec = BENCH.get(f"chapter_{docname.rsplit('/', 1)[-1]}_s") or {}
    return rec.get("value")


def runtimes_from_page(html: str) -> dict[str, float]:
    """Document → Run Time (s) from the execution-times table of the built runtimes page."""
    out = {}
    for row in re.findall(r"<tr.*?</tr>", html, flags=re.S):
        cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td.*?</td>", row, flags=re.S)]
        if len(cells) >= 4:
            try:
                out[cells[0]] = float(cells[3])
            except ValueError:
                continue
    return out


def too_slow(runtimes: dict[str, float], factor: float = FACTOR) -> list[str]:
    """One line per chapter whose time exceeds ``factor`` × its benchmark time."""
    lines = []
    for doc, seconds in sorted(runtimes.items()):
        bench = benchmark_seconds(doc)
        if bench is not None and seconds > factor * bench:
            lines.append(f"{doc}: {seconds:.1f} s in the build, more than {factor:g} × its benchmark {bench:.1f} s")
    return lines


def test_a_stall_like_the_one_seen_fails_and_normal_times_pass():
    assert too_slow({"book/01_representation": 201.8}) != []          # the stall of issue 15
    assert too_slow({"book/01_representation": 24.0, "book/04_pairwise_and": 21.0}) == []
    assert too_slow({"book/intro": 1000.0}) == []                      # pages without a benchmark are not judged


def test_every_chapter_has_a_benchmark_time():
    for chapter in CHAPTERS:
        doc = chapter.relative_to(REPO).with_suffix("").as_posix()
        assert benchmark_seconds(doc), f"book/data/bench.json has no chapter_{chapter.stem}_s (run `make bench`)"


@pytest.mark.site
def test_no_chapter_takes_more_than_three_times_its_benchmark_in_the_build():
    page = site_dir() / "book" / "runtimes.html"
    if not page.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"no runtimes page at {page}: `make test` builds the site before the site tests")
        pytest.skip(f"no built site at {site_dir()} (run `make build-strict`)")
    runtimes = runtimes_from_page(page.read_text(encoding="utf-8"))
    chapters = {c.relative_to(REPO).with_suffix("").as_posix() for c in CHAPTERS}
    assert chapters <= runtimes.keys(), f"the runtimes page lacks {sorted(chapters - runtimes.keys())}"
    assert too_slow(runtimes) == [], "\n".join(too_slow(runtimes))
