# Verzamelbrief inburgering: reproducible analysis.
#
#   make report   environment (if missing) → validate data/raw → notebooks (papermill) → HTML + PDF
#   make test     environment (if missing) → test suite
#
# Every executed notebook is a file target made from its source notebook, its block of
# params.yaml, the raw files of its letter section (data/raw/NN_*.csv), the catalogue
# and the package modules it imports, so make reruns exactly what a change affects.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-builtin-rules --no-print-directory

# ---------------------------------------------------------------- environment
# Inside the conda environment made from environment.yml, use it; otherwise a .venv
# built from the pinned requirements.txt with Python 3.11.
# A path from outside (the checkout's folder, the conda prefix) never reaches the shell as
# it is: recipes read the checkout from $$VERZAMELBRIEF_ROOT and get other paths through
# $(call q,…), which quotes for the shell, so no folder name can split a word or run a command.
q = '$(subst ','\'',$(1))'
CONDA_ENV_NAME := verzamelbrief-inburgering
ifeq ($(CONDA_DEFAULT_ENV),$(CONDA_ENV_NAME))
  PY := $(call q,$(CONDA_PREFIX)/bin/python)
  ENV := $(CONDA_PREFIX)/.verzamelbrief-installed
else
  PYTHON ?= $(shell command -v python3.11 || command -v python3)
  PY := .venv/bin/python
  ENV := .venv/.installed
endif
KERNEL := verzamelbrief-inburgering
# A build works on the checkout where make runs, also in a copy whose .venv (editable
# install, kernel spec) still points at the original: the package is imported from this
# checkout's src/, outputs go under this checkout, and notebooks run on $(PY) itself.
export VERZAMELBRIEF_ROOT := $(CURDIR)
# (findstring, not filter-out: a folder name with spaces is one path, not several words; $(value …):
# a variable from the environment is taken as it is, never expanded again by make)
export PYTHONPATH := $(if $(findstring :$(CURDIR)/src:,:$(value PYTHONPATH):),$(value PYTHONPATH),$(CURDIR)/src$(if $(value PYTHONPATH),:$(value PYTHONPATH)))

# ---------------------------------------------------------------- one build at a time
# Every goal that writes in this checkout runs with an exclusive lock on $(BUILD_LOCK):
# make runs itself again through buildlock.py (standard library only), which waits while
# another build of this checkout runs, and removes leftovers of killed builds (staged
# temporary files, executed notebooks that are not complete notebooks) before make looks
# at what is up to date. It also stops with one line when $(PY) exists but cannot run
# (a .venv copied from elsewhere) and repairs a kernel spec that names another checkout. The variable names the checkout that holds the lock, so a build
# in another checkout (a test's copy) takes its own.
BUILD_LOCK := reports/.build.lock
ifneq ($(value VERZAMELBRIEF_BUILD_LOCKED),$(CURDIR))
  LOCKED_GOALS := $(filter-out help test bench kernel lock lab why,$(MAKECMDGOALS))
endif
ifneq ($(LOCKED_GOALS),)
.PHONY: $(MAKECMDGOALS)
$(firstword $(MAKECMDGOALS)):
	@py=$$([ -x $(PY) ] && echo $(PY) || command -v python3 || command -v python3.11); \
	VERZAMELBRIEF_BUILD_LOCKED="$$VERZAMELBRIEF_ROOT" "$$py" src/verzamelbrief/buildlock.py $(BUILD_LOCK) --python $(PY) -- $(call q,$(MAKE)) $(MAKECMDGOALS)
$(wordlist 2,$(words $(MAKECMDGOALS)),$(MAKECMDGOALS)): $(firstword $(MAKECMDGOALS)) ; @:
else

# Independent notebooks run in parallel, one job per core; each output line names its notebook.
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
MAKEFLAGS += --jobs=$(JOBS) --output-sync=line
# Every output is written atomically (temporary file, then rename), so make must never
# delete a target on error or interrupt: the previous, complete file stays.
.PRECIOUS: reports/_executed/%.ipynb reports/_build/%.html reports/_build/%.pdf

# ---------------------------------------------------------------- files
NOTEBOOKS := $(sort $(wildcard notebooks/[0-9][0-9]_*.ipynb))
STEMS := $(notdir $(basename $(NOTEBOOKS)))
EXEC_DIR := reports/_executed
PARAM_DIR := $(EXEC_DIR)/params
EXECUTED := $(addprefix $(EXEC_DIR)/,$(addsuffix .ipynb,$(STEMS)))
RAW := $(sort $(wildcard data/raw/*.csv))
CATALOGUE := data/raw/catalogue.yaml
PARAGRAPH_MAP := data/raw/letter_paragraphs.csv
PKG := $(sort $(wildcard src/verzamelbrief/*.py))
RENDER_SRC := $(sort $(wildcard src/verzamelbrief/render/*))
RAW_VALID := $(EXEC_DIR)/.raw-valid
REPORT := reports/_build/verzamelbrief.html reports/_build/verzamelbrief.pdf
REPORT_SRC := reports/_quarto.yml $(wildcard reports/*.qmd) $(wildcard reports/typst/*.typ) $(wildcard reports/styles/*) \
              $(wildcard reports/filters/*.lua)
FONTS := reports/_fonts/DejaVuSans.ttf

# The raw files a notebook reads: those of its letter section (the number it starts with);
# the cijfercontrole notebook checks the whole letter and reads them all.
section_raw = $(if $(findstring cijfercontrole,$(1)),$(RAW),$(wildcard data/raw/$(firstword $(subst _, ,$(1)))_*.csv))

.PHONY: help env report notebooks validate test test-slow preview bench kernel lock lab why clean distclean

help: ## Show this help
	@echo "Verzamelbrief inburgering: reproducible analysis. Targets:"
	@grep -hE '^[a-z][a-zA-Z_-]*:.*## ' $(MAKEFILE_LIST) | sort | awk -F':.*## ' '{printf "  make %-11s %s\n", $$1, $$2}'

env: $(ENV) ## Create the environment (.venv with uv from requirements.txt, or the active conda env)

# uv (PyPI) creates the .venv and installs the pins in seconds: the uv on PATH, else one
# installed from PyPI into $(UV_BOOT) with the standard library's venv and pip.
UV_VERSION := 0.13.9
UV_BOOT := .venv-uv
ifndef UV
  UV := $(or $(shell command -v uv 2>/dev/null),$(UV_BOOT)/bin/uv)
endif
# Installs uv into $(UV_BOOT) when it is not there (a recipe step, so an up-to-date
# environment never asks for uv).
UV_INSTALL = @[ -x "$(UV)" ] || { \
	  test -n "$(PYTHON)" || { echo "error: Python 3.11 not found; install it or set PYTHON=/path/to/python3.11" >&2; exit 1; }; \
	  echo "▶ env: uv not found; installing uv $(UV_VERSION) from PyPI into $(UV_BOOT)/"; \
	  $(PYTHON) -m venv $(UV_BOOT) && $(UV_BOOT)/bin/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION); }

# With PYTHONDONTWRITEBYTECODE set, Python never caches the bytecode of what it imports, so every
# kernel would compile pandas, matplotlib and the rest again: uv compiles it once, when it installs.
$(ENV): requirements.txt pyproject.toml
ifeq ($(CONDA_DEFAULT_ENV),$(CONDA_ENV_NAME))
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
else
	@test -n "$(PYTHON)" || { echo "error: Python 3.11 not found; install it or set PYTHON=/path/to/python3.11" >&2; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else 1)' || { echo "error: $(PYTHON) is not Python 3.11; set PYTHON=/path/to/python3.11" >&2; exit 1; }
	$(UV_INSTALL)
	@echo "▶ env: creating .venv from requirements.txt (uv)"
	test -x $(PY) || $(UV) venv --quiet --python "$$($(PYTHON) -c 'import os, sys; print(os.path.realpath(sys.executable))')" .venv
	$(UV) pip sync --quiet --python $(PY) $(if $(value PYTHONDONTWRITEBYTECODE),--compile-bytecode) requirements.txt
	$(UV) pip install --quiet --python $(PY) --no-deps -e .
endif
	$(PY) -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python (verzamelbrief-inburgering)" >/dev/null
	@touch $@
	@echo "✓ env: ready ($(PY))"

validate: $(RAW_VALID) ## Validate data/raw against data/raw/catalogue.yaml

# The names of the raw files, rewritten only when a file appears or disappears, so that a
# deleted raw file makes validation run again (and fail, naming it).
RAW_LIST := $(EXEC_DIR)/.raw-files
$(RAW_LIST): FORCE
	@mkdir -p $(@D); list="$(notdir $(RAW))"; [ -f $@ ] && [ "$$(cat $@)" = "$$list" ] || echo "$$list" > $@

$(RAW_VALID): $(RAW) $(RAW_LIST) $(CATALOGUE) $(PKG) | $(ENV)
	@mkdir -p $(@D)
	@$(BUILDLOG) --step validate --target $@ -- $(PY) -m verzamelbrief.validate --cache $@
	@touch $@

# The names of the notebooks, likewise: a notebook removed from notebooks/ renders the
# report again (its executed copy is removed before make starts, see buildlock.py), so the
# colophon lists exactly the notebooks in notebooks/.
NB_LIST := $(EXEC_DIR)/.notebooks
$(NB_LIST): FORCE
	@mkdir -p $(@D); list="$(STEMS)"; [ -f $@ ] && [ "$$(cat $@)" = "$$list" ] || echo "$$list" > $@

# One parameter file per notebook, rewritten only when its block of params.yaml changes.
$(PARAM_DIR)/.split: params.yaml $(NOTEBOOKS) | $(ENV)
	@$(PY) -m verzamelbrief.run --split-params params.yaml $(PARAM_DIR) $(STEMS) report
	@touch $@
$(PARAM_DIR)/%.yaml: $(PARAM_DIR)/.split ;
.SECONDARY: $(addprefix $(PARAM_DIR)/,$(addsuffix .yaml,$(STEMS) report))

notebooks: $(EXECUTED) ## Execute the notebooks that are out of date (papermill)

# The package modules each notebook imports (directly or through the package) and the
# runner's: generated by verzamelbrief.deps, so editing a module reruns only the notebooks
# that use it. Read only for goals that may run notebooks (not for help, clean, env, ...).
PKG_DEPS := $(EXEC_DIR)/package-deps.mk
$(PKG_DEPS): $(NOTEBOOKS) $(wildcard src/verzamelbrief/*.py src/verzamelbrief/*/*.py) | $(ENV)
	@mkdir -p $(@D)
	@$(PY) -m verzamelbrief.deps --package src/verzamelbrief --target-dir $(EXEC_DIR) $(NOTEBOOKS) > $@.tmp && mv $@.tmp $@
ifneq ($(filter-out help env validate clean distclean lock kernel test test-slow bench lab why,$(or $(MAKECMDGOALS),help)),)
include $(PKG_DEPS)
endif

# ---------------------------------------------------------------- the pipeline route
# Validation, every notebook run and the render go through buildlog.py, which appends to
# reports/build-log.jsonl what ran, why (make's $$?: the newer prerequisites, passed in the
# environment), with which parameters and renderer, and how long it took: `make why`.
BUILDLOG = $(PY) src/verzamelbrief/buildlog.py record
export VERZAMELBRIEF_BUILD_ID := $(shell echo "$$(date -u +%Y%m%dT%H%M%SZ)-$$PPID")
$(RAW_VALID) $(EXECUTED) $(REPORT): private export VERZAMELBRIEF_CHANGED = $?

.SECONDEXPANSION:
$(EXEC_DIR)/%.ipynb: notebooks/%.ipynb $(PARAM_DIR)/%.yaml $$(call section_raw,$$*) $(CATALOGUE) $(PARAGRAPH_MAP) $(ENV) | $(RAW_VALID)
	@$(BUILDLOG) --step notebook --target $@ --params $(PARAM_DIR)/$*.yaml -- $(PY) -m verzamelbrief.run $< $@ --params-file $(PARAM_DIR)/$*.yaml

# The colophon (written at render time by verzamelbrief.provenance) shows the commit and
# whether the tree had uncommitted changes, so the report depends on the git state. Files
# git does not track among the build's inputs (a new notebook, say) count as changes: the
# same list as provenance.UNTRACKED_INPUTS (tests/test_deps.py keeps the two equal).
GIT_STATE := $(EXEC_DIR)/.git-state
UNTRACKED_INPUTS := notebooks data/raw src reports params.yaml Makefile

# Rewritten only when the commit or the clean/dirty state changes.
$(GIT_STATE): FORCE
	@mkdir -p $(@D); \
	if [ "$$(git rev-parse --show-toplevel 2>/dev/null)" = "$$VERZAMELBRIEF_ROOT" ]; then \
	  state="$$(git rev-parse HEAD) $$(git status --porcelain --untracked-files=no | grep -q . && echo dirty || echo clean)"; \
	  state="$$state $$(git ls-files --others --exclude-standard -- $(UNTRACKED_INPUTS) | tr '\n' ' ')"; \
	else state="no-git"; fi; \
	[ -f $@ ] && [ "$$(cat $@)" = "$$state" ] || echo "$$state" > $@
.PHONY: FORCE
FORCE:

# The renderer: RENDERER=quarto or RENDERER=offline, or auto (the default): Quarto when
# `quarto` is on PATH, else the offline renderer. The colophon names the renderer, so a
# change of renderer or of Quarto's version renders again.
RENDERER ?= auto
RENDER_STATE := $(EXEC_DIR)/.renderer
$(RENDER_STATE): FORCE
	@mkdir -p $(@D); \
	case "$(RENDERER)" in \
	  quarto) state="quarto $$(quarto --version 2>/dev/null || echo missing)";; \
	  offline) state=offline;; \
	  auto) if command -v quarto >/dev/null; then state="quarto $$(quarto --version)"; else state=offline; fi;; \
	  *) echo "error: RENDERER='$(RENDERER)' is not known; use auto, quarto or offline" >&2; exit 2;; \
	esac; \
	[ -f $@ ] && [ "$$(cat $@)" = "$$state" ] || echo "$$state" > $@

$(FONTS): | $(ENV)
	@$(PY) -m verzamelbrief.fonts reports/_fonts >/dev/null

report: $(REPORT) ## Render reports/_build/verzamelbrief.html and .pdf (RENDERER=auto|quarto|offline)

$(REPORT) &: $(EXECUTED) $(REPORT_SRC) $(RENDER_SRC) $(PARAM_DIR)/report.yaml $(FONTS) \
              $(GIT_STATE) $(RENDER_STATE) $(NB_LIST) $(RAW) $(CATALOGUE) requirements.txt pyproject.toml src/verzamelbrief/provenance.py src/verzamelbrief/herkomst.py
	@$(BUILDLOG) --step render --target $(firstword $(REPORT)) --renderer-file $(RENDER_STATE) -- $(PY) -m verzamelbrief.render reports --engine $(RENDERER)

preview: $(REPORT) ## Write PNGs of every PDF page and desktop/phone screenshots of the HTML to reports/_build/preview/
	@$(PY) scripts/preview.py reports/_build

bench: $(ENV) ## Time builds with hyperfine against an nbconvert baseline (reports/_build/bench.json; BENCH_ARGS=--quick)
	+$(PY) scripts/bench.py $(BENCH_ARGS)

# The fast tests run in TEST_JOBS processes (pytest-xdist), one per core; they share one session
# build and the background notebook runs (tests/sharedwork.py). TEST_JOBS=1 runs them in this process.
TEST_JOBS ?= $(JOBS)
test: $(ENV) ## Run the fast tests (pytest; builds the report once, in a temporary copy)
	$(PY) -m pytest $(if $(filter-out 0 1,$(TEST_JOBS)),-n $(TEST_JOBS)) $(PYTEST_ARGS)

test-slow: $(ENV) ## Run the slow tests only: clean rebuild, SIGTERM, browser, Quarto (CI runs them after make test)
	$(PY) -m pytest -m slow $(PYTEST_ARGS)

kernel: $(ENV) ## Install the project's Jupyter kernel for your user (for a JupyterLab outside the env)
	$(PY) -m ipykernel install --user --name $(KERNEL) --display-name "Python (verzamelbrief-inburgering)"

lock: ## Re-pin requirements.txt from requirements.in (uv pip compile; keeps pins that still fit)
	$(UV_INSTALL)
	$(UV) pip compile --quiet requirements.in -o requirements.txt --python-version 3.11 --custom-compile-command "make lock"

# As root (a container, CI) JupyterLab refuses to start without --allow-root, so make adds it there.
lab: $(ENV) ## Open JupyterLab in notebooks/, in the project environment, with the project's kernel
	$(PY) -m jupyter lab --notebook-dir=notebooks --MultiKernelManager.default_kernel_name=$(KERNEL) $(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

why: ## Why did the last build run what it ran? (reports/build-log.jsonl; NB=09 for one notebook)
	@py=$$([ -x $(PY) ] && echo $(PY) || command -v python3); $$py src/verzamelbrief/buildlog.py why $(NB)

clean: ## Remove generated files (executed notebooks, processed data, report build)
	rm -rf reports/_executed reports/_build reports/_fonts reports/.quarto reports/.quarto-out-*
	find data/processed -mindepth 1 ! -name README.md -delete

distclean: clean ## Also remove the .venv environment (and uv, if make installed it) and the build log
	rm -rf .venv $(UV_BOOT) reports/build-log.jsonl

endif # one build at a time
