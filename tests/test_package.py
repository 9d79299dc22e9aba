"""The package as a researcher uses it: top-level exports, the API reference page, doctested examples."""

from __future__ import annotations

import doctest
import importlib
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import superposition

ROOT = Path(__file__).resolve().parents[1]
KERNEL_MODULES = tuple(superposition._EXPORTS)
MAIN_KERNELS = ("jl_min_dim", "max_coherence", "build_uand", "uand_error", "log2_pair_families", "min_neurons",
                "build_pairwise_and", "count_wrong_bits")


def _module_public_names() -> dict[str, set[str]]:
    return {m: set(importlib.import_module(f"superposition.{m}").__all__) for m in KERNEL_MODULES}


def test_import_superposition_loads_no_numerical_library():
    code = ("import sys, superposition; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in {'numpy', 'scipy', 'matplotlib', 'yaml', "
            "'nbformat', 'nbclient', 'sphinx', 'docutils'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_every_name_in_all_exists():
    missing = [name for name in superposition.__all__ if not hasattr(superposition, name)]
    assert missing == []


def test_top_level_exports_every_public_kernel_defined_by_one_module_only():
    names = _module_public_names()
    seen: dict[str, list[str]] = {}
    for module, public in names.items():
        for name in public:
            seen.setdefault(name, []).append(module)
    unique = {name for name, modules in seen.items() if len(modules) == 1}
    assert unique == set(superposition._HOME)
    for name, module in superposition._HOME.items():
        assert getattr(superposition, name) is getattr(importlib.import_module(f"superposition.{module}"), name)


def test_main_kernels_are_exported_at_the_top_level():
    assert set(MAIN_KERNELS) <= set(superposition.__all__)


def test_unknown_attribute_raises_attribute_error_naming_it():
    with pytest.raises(AttributeError, match="no_such_kernel"):
        superposition.no_such_kernel  # noqa: B018


def test_api_page_documents_every_kernel_module_and_is_in_the_toc():
    page = (ROOT / "book" / "api.md").read_text()
    documented = set(re.findall(r"^\.\. automodule:: superposition\.(\w+)$", page, flags=re.M))
    assert documented == set(KERNEL_MODULES)
    toc = (ROOT / "_toc.yml").read_text()
    assert re.search(r"^\s*- file: book/api$", toc, flags=re.M)


def test_every_exported_callable_has_a_docstring():
    undocumented = [name for name, module in superposition._HOME.items()
                    if callable(getattr(superposition, name)) and not (getattr(superposition, name).__doc__ or "").strip()]
    assert undocumented == []


@pytest.mark.parametrize("name", MAIN_KERNELS)
def test_main_kernel_has_references_and_examples(name):
    doc = getattr(superposition, name).__doc__
    assert ">>>" in doc.partition("Examples\n    --------\n")[2]
    if name != "count_wrong_bits":  # the book's own verifier; nothing to cite
        assert "References\n    ----------" in doc


@pytest.mark.parametrize("module", KERNEL_MODULES)
def test_docstring_examples_run(module):
    mod = importlib.import_module(f"superposition.{module}")
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    tests = [t for t in finder.find(mod, globs=vars(mod).copy()) if t.examples]
    assert tests, f"{module} has no doctested example"
    for test in tests:
        runner.run(test)
    assert runner.summarize(verbose=False).failed == 0


@pytest.mark.slow
def test_api_page_builds_strictly_with_the_book_settings(tmp_path):
    """The API page alone, with the book's autodoc/napoleon/nitpick settings, builds with -W -n."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text())["sphinx"]
    settings = {k: v for k, v in config["config"].items() if k.startswith(("autodoc_", "napoleon_", "nitpick"))}
    settings["nitpick_ignore"] = [tuple(entry) for entry in settings.get("nitpick_ignore", [])]
    extensions = ["myst_parser", *[e for e in config["extra_extensions"] if e.startswith("sphinx.ext.")]]
    (tmp_path / "conf.py").write_text(
        f"extensions = {extensions!r}\nmyst_enable_extensions = ['dollarmath', 'amsmath']\n"
        + "".join(f"{k} = {v!r}\n" for k, v in settings.items()))
    (tmp_path / "index.md").write_text((ROOT / "book" / "api.md").read_text() + "\n```{toctree}\n:hidden:\nnotation\n```\n")
    (tmp_path / "notation.md").write_text("# Notation\n")
    result = subprocess.run([sys.executable, "-m", "sphinx", "-q", "-W", "-n", "-b", "html", str(tmp_path),
                             str(tmp_path / "_build")], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    html = (tmp_path / "_build" / "index.html").read_text()
    missing = [name for name, module in superposition._HOME.items()
               if f'id="superposition.{module}.{name}"' not in html]
    assert missing == []
