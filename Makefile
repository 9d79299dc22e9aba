# The two commands of the README:
#   make book   build the HTML book into _build/html (creates .venv and installs requirements if needed)
#   make test   run every test: unit tests, every notebook under nbval, the strict book build, the site checks
#   make browser  only the browser tests of the built site (tests/browser)
# Only Python 3.11 (or newer) and make are needed; everything else is installed into .venv.

PYTHON ?= $(shell command -v python3.11 || command -v python3)

# One BLAS thread, as on Binder and when the notebooks were saved: the stored outputs are compared exactly.
export OPENBLAS_NUM_THREADS ?= 1
export OMP_NUM_THREADS ?= 1
export MKL_NUM_THREADS ?= 1
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: book test build-strict unit browser clean student book-nosolutions pdf bench lint

$(STAMP): requirements.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip check
	@touch $(STAMP)

book: $(STAMP)
	$(BIN)/jupyter-book build --all .
	@echo "Open _build/html/index.html in a browser."

# The strict build: any Sphinx warning or notebook error fails.
build-strict: $(STAMP)
	$(BIN)/jupyter-book build --all -W -n --keep-going .

test: $(STAMP) lint build-strict
	$(BIN)/python -m pytest

# The linter (rules and per-file exceptions: [tool.ruff] in pyproject.toml). `make test` runs it first.
lint: $(STAMP)
	$(BIN)/ruff check .

unit: $(STAMP)
	$(BIN)/python -m pytest -o addopts="-p no:cacheprovider" tests --ignore=tests/browser

# The browser tests alone (tests/browser: every page of _build/html in headless Chromium, offline, axe-core).
# Builds the site first only if _build/html is missing. BOOK_HTML_DIR=path tests another built site.
browser: $(STAMP)
	@test -f $${BOOK_HTML_DIR:-_build/html}/index.html || $(MAKE) build-strict
	$(BIN)/python -m pytest -o addopts="-p no:cacheprovider" tests/browser

# The student edition of every chapter (book/student/NN_name.ipynb), generated from the chapters: run after changing
# a chapter and commit the result (a test fails while they differ).
student: $(STAMP)
	$(BIN)/python -m superposition.student

# The book without solutions, to publish before a deadline: writes _build/nosolutions/_build/html.
book-nosolutions: $(STAMP)
	SUPERPOSITION_HIDE_SOLUTIONS=1 $(BIN)/jupyter-book build --all --path-output _build/nosolutions .
	@echo "Open _build/nosolutions/_build/html/index.html in a browser."

# A PDF of the whole book: _build/latex/book.pdf. Needs TeX Live from Debian (README, "A PDF of the book").
pdf: $(STAMP)
	$(BIN)/jupyter-book build --all --builder pdflatex .
	@echo "The PDF is _build/latex/book.pdf"

# The benchmark suite (a few minutes on one core), then the appendix page that shows its results.
bench: $(STAMP)
	$(BIN)/python -m superposition.bench --out book/data
	$(BIN)/python -m superposition.notebooks execute book/appendix_benchmarks.ipynb

clean:
	rm -rf _build
