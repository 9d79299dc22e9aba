"""No chapter may take more than three times its benchmark time to execute in the book build.

The benchmark (``python -m superposition.bench``, book/data/bench.json) times each chapter in a fresh kernel on a
quiet machine. The build's own times are the ones the runtimes page shows readers; a stalled kernel (a wait of
minutes that is not computation) shows up there, and this test turns it into a failure.

A build machine that is slower (or busier) than the benchmark's slows every chapter by about the same factor, while
a stall hits one chapter or two. So the limit is three times the benchmark time multiplied by the machine's
slowdown, estimated as the median ratio of build time to benchmark time over the chapters (never below 1).
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


def machine_slowdown(runtimes: dict[str, float]) -> float:
    """Median of build time / benchmark time over the chapters that have a benchmark (at least 1; 1 for fewer
    than three chapters, where a median cannot tell a slow machine from a stall)."""
    ratios = sorted(seconds / bench for doc, seconds in runtimes.items()
                    if (bench := benchmark_seconds(doc)) is not None)
    if len(ratios) < 3:
        return 1.0
    mid = len(ratios) // 2
    median = ratios[mid] if len(ratios) % 2 else (ratios[mid - 1] + ratios[mid]) / 2
    return max(1.0, median)


def too_slow(runtimes: dict[str, float], factor: float = FACTOR) -> list[str]:
    """One line per chapter whose time exceeds ``factor`` × its benchmark time × :func:`machine_slowdown`."""
    slowdown = machine_slowdown(runtimes)
    lines = []
    for doc, seconds in sorted(runtimes.items()):
        bench = benchmark_seconds(doc)
        if bench is not None and seconds > factor * slowdown * bench:
            lines.append(f"{doc}: {seconds:.1f} s in the build, more than {factor:g} × its benchmark {bench:.1f} s"
                         f" × this machine's slowdown {slowdown:.2f}")
    return lines


def test_a_stall_like_the_one_seen_fails_and_normal_times_pass():
    assert too_slow({"book/01_representation": 201.8}) != []          # the stall of issue 15
    assert too_slow({"book/01_representation": 24.0, "book/04_pairwise_and": 21.0}) == []
    assert too_slow({"book/intro": 1000.0}) == []                      # pages without a benchmark are not judged


def scaled(factor: float) -> dict[str, float]:
    """Every chapter's benchmark time × factor: a build on a machine ``factor`` times slower."""
    docs = [c.relative_to(REPO).with_suffix("").as_posix() for c in CHAPTERS]
    return {doc: factor * benchmark_seconds(doc) for doc in docs}


def test_a_uniformly_slower_machine_passes():
    assert too_slow(scaled(4.0)) == []


def test_two_stalled_chapters_fail_on_an_otherwise_normal_build():
    times = scaled(1.2)
    times["book/01_representation"] += 175.0
    times["book/04_pairwise_and"] += 175.0
    assert [line.split(":")[0] for line in too_slow(times)] == ["book/01_representation", "book/04_pairwise_and"]


def test_one_stalled_chapter_fails_on_a_slower_machine():
    times = scaled(2.0)
    times["book/03_lower_bound"] += 175.0
    assert [line.split(":")[0] for line in too_slow(times)] == ["book/03_lower_bound"]


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
