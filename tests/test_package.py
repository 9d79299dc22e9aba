"""The package as a researcher uses it: top-level exports, the API reference page, doctested examples."""

from __future__ import annotations

import doctest
import importlib
import re
import shutil
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
    assert documented == set(KERNEL_MODULES) | {"deep"}  # Chapter 5's kernels are reached as a module
    toc = (ROOT / "_toc.yml").read_text()
    assert re.search(r"^\s*- file: book/api$", toc, flags=re.M)


def test_every_exported_callable_has_a_docstring():
    undocumented = [name for name in superposition._HOME
                    if callable(getattr(superposition, name))
                    and not (getattr(superposition, name).__doc__ or "").strip()]
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
    toctree = "\n```{toctree}\n:hidden:\nnotation\n```\n"
    (tmp_path / "index.md").write_text((ROOT / "book" / "api.md").read_text() + toctree)
    (tmp_path / "notation.md").write_text("# Notation\n")
    result = subprocess.run([sys.executable, "-m", "sphinx", "-q", "-W", "-n", "-b", "html", str(tmp_path),
                             str(tmp_path / "_build")], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    html = (tmp_path / "_build" / "index.html").read_text()
    missing = [name for name, module in superposition._HOME.items()
               if f'id="superposition.{module}.{name}"' not in html]
    assert missing == []


@pytest.mark.slow
def test_pip_install_in_a_fresh_venv_runs_the_kernels_outside_the_checkout(tmp_path):
    """A regular (non-editable) install into a new venv; the kernels, the checks and the package data work from a
    directory that is not the repository. Uses pip's configured indexes and cache (offline-friendly)."""
    source = tmp_path / "source"  # a copy, so that building the wheel leaves nothing in the checkout
    shutil.copytree(ROOT / "src", source / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    install = subprocess.run([str(python), "-m", "pip", "install", "--quiet", str(source)],
                             capture_output=True, text=True, cwd=tmp_path)
    assert install.returncode == 0, install.stderr[-3000:]
    check = subprocess.run([str(python), "-m", "pip", "check"], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout
    code = """
import importlib.resources, numpy as np, superposition as s
assert "site-packages" in s.__file__, s.__file__
assert s.jl_min_dim(1000, 0.5) == 332
assert s.min_neurons(s.log2_pair_families(10**6, 10**6), 8) == 1596
net = s.build_uand(64, 400, 0.2, rng=np.random.default_rng(0), s=2)
report = s.uand_error(net, s.sample_active(64, 2, 100, rng=np.random.default_rng(1)))
assert report.n_pairs == 100 * 2016 and round(report.max_error, 3) == 0.464
pairs = s.uniform_pairs(200, 300, rng=np.random.default_rng(0))
net = s.build_pairwise_and(pairs, 200, 1536, s=2, rng=np.random.default_rng(0))
assert int(s.count_wrong_bits(net, s.planted_inputs(pairs, 200, 2, 50, rng=np.random.default_rng(1))).wrong.sum()) == 0
import superposition.checks
assert (importlib.resources.files("superposition") / "_static" / "superposition.css").is_file()
print("ok")
"""
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    run = subprocess.run([str(python), "-c", code], capture_output=True, text=True, cwd=outside,
                         env={"PATH": "/usr/bin:/bin", "OPENBLAS_NUM_THREADS": "1", "MPLBACKEND": "Agg"})
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stdout.strip() == "ok"


TOOLING_MODULES = ("bench", "notebooks", "student", "sphinxext", "plotting", "_validate", "checks._core")


@pytest.mark.parametrize("module", TOOLING_MODULES)
def test_public_functions_of_tooling_modules_have_type_hints(module):
    import ast
    import inspect

    path = Path(inspect.getfile(importlib.import_module(f"superposition.{module}")))
    missing = []

    def walk(body, prefix=""):
        for node in body:
            if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
                walk(node.body, f"{prefix}{node.name}.")
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and not node.name.startswith("_"):
                a = node.args
                args = [*a.posonlyargs, *a.args, *a.kwonlyargs, *filter(None, [a.vararg, a.kwarg])]
                unhinted = [x.arg for x in args if x.annotation is None and x.arg not in ("self", "cls")]
                if unhinted or node.returns is None:
                    missing.append(f"{prefix}{node.name}: {unhinted or ''}{' return' if node.returns is None else ''}")

    walk(ast.parse(path.read_text()).body)
    assert missing == []
