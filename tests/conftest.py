"""Test-wide configuration.

Hypothesis profiles (choose one with ``HYPOTHESIS_PROFILE=name``):

- ``ci`` (the default, used by ``make test`` and CI): derandomized, so every run draws the same examples and a
  result never depends on luck; the example database is off, so a fresh clone and a working checkout agree.
- ``dev``: random examples, as Hypothesis intends, to hunt for new failures locally
  (``HYPOTHESIS_PROFILE=dev make unit``); a failure prints the ``@reproduce_failure`` blob to pin it.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


# ---------------------------------------------------------------------------------------------------------------
# Markers, and the execution time of every notebook nbval runs.
#
# ``slow``: executes notebooks or builds books (nbval cells, the student-edition runs, the fixture books, the
# benchmarks and sweeps) -- ``make quick`` deselects them.  ``site``: reads the built site, so ``make test`` runs
# these after the book build (README, "Running the tests").

import json  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
#: Where the nbval run writes each notebook's wall time; the strict build of ``make test`` shows these times on the
#: runtimes page instead of executing every chapter a second time (superposition.sphinxext).
NOTEBOOK_TIMES = REPO / "_build" / "nbval-times.json"
_SLOW_FILES = {"test_book_editions.py", "test_bench.py", "test_sweeps_uand.py", "test_sweeps_pairwise_and.py",
               "test_pip_install.py", "test_binder_stack.py"}
_SLOW_TESTS = {"test_student_notebook_runs_and_only_the_stubs_fail",
               "test_stubs_filled_with_the_reference_solution_pass_their_checks"}


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: executes notebooks or builds books (deselected by `make quick`)")
    config.addinivalue_line("markers", "site: reads the built site (`make test` runs these after the book build)")
    if not config.pluginmanager.has_plugin("superposition-notebook-times"):
        config.pluginmanager.register(_NotebookTimes(), "superposition-notebook-times")


def _is_notebook_cell(item) -> bool:
    return Path(str(item.path)).suffix == ".ipynb"


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    for item in items:
        path = Path(str(item.path))
        if "browser" in path.parts:
            item.add_marker(pytest.mark.site)
        if (_is_notebook_cell(item) or path.name in _SLOW_FILES or "browser" in path.parts
                or getattr(item, "originalname", item.name) in _SLOW_TESTS):
            item.add_marker(pytest.mark.slow)


class _NotebookTimes:
    """Wall time of each notebook under nbval: from its first cell's setup (the kernel starts there) to its last
    cell's teardown, and whether every cell passed; written to NOTEBOOK_TIMES when the session ends."""

    def __init__(self):
        self.times: dict[str, dict] = {}

    def pytest_runtest_logstart(self, nodeid, location):
        path = nodeid.split("::")[0]
        if path.endswith(".ipynb"):
            rec = self.times.setdefault(path, {"start": time.time(), "end": None, "succeeded": True, "cells": 0})
            rec["cells"] += 1

    def pytest_runtest_logreport(self, report):
        path = report.nodeid.split("::")[0]
        if path in self.times:
            self.times[path]["end"] = time.time()
            if report.failed:
                self.times[path]["succeeded"] = False

    def pytest_sessionfinish(self, session):
        done = {p: r for p, r in self.times.items() if r["end"] is not None}
        if not done:
            return
        NOTEBOOK_TIMES.parent.mkdir(exist_ok=True)
        old = json.loads(NOTEBOOK_TIMES.read_text()) if NOTEBOOK_TIMES.is_file() else {}
        old.update({p: {"mtime": r["start"], "runtime": r["end"] - r["start"], "succeeded": r["succeeded"],
                        "cells": r["cells"]} for p, r in done.items()})
        NOTEBOOK_TIMES.write_text(json.dumps(old, indent=1) + "\n")
