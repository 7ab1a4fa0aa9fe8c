# Two commands on a fresh clone: `make lab` and `make test`. Each creates its virtual
# environment when missing. Choose the interpreter with `make test PYTHON=python3.13`.
PYTHON ?= python3
ifeq ($(origin PYTHON),command line)
VENV ?= .venv-$(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])')
else
VENV ?= .venv
endif
BIN := $(VENV)/bin
LAB_PORT ?= 8888
# Jupyter refuses to run as root (containers, CI) unless told to.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u 2>/dev/null)),--allow-root)

CHROMIUM ?= /usr/bin/chromium
PYENV_ROOT ?= $(shell pyenv root 2>/dev/null || echo $(HOME)/.pyenv)
PY313 ?= $(lastword $(wildcard $(PYENV_ROOT)/versions/3.13.*/bin/python3))

.PHONY: lab test lint unit bench start-methods test-one-cpu test-busy test-browser test-browser-spawn \
	install-browser install-browser-spawn test-rerun test-modern prepare-modern site test-site claims clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(VENV)/.installed $@

# Serves the repository root, like Binder, so that lab/tree/notebooks/NN_slug.ipynb and the
# notebooks' relative links (../README.md) work the same here and there; opens on notebooks/.
$(VENV)/.installed-browser: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,browser]'
	touch $(VENV)/.installed $(VENV)/.installed-test $@

lab: $(VENV)/.installed
	$(BIN)/jupyter lab --no-browser --ServerApp.ip=127.0.0.1 --ServerApp.port=$(LAB_PORT) \
		--ServerApp.root_dir=. --LabApp.default_url=/lab/tree/notebooks $(ALLOW_ROOT)

test: lint unit

lint: $(VENV)/.installed-test
	$(BIN)/ruff check helpers tests notebooks tools site conftest.py course_check.py

unit: $(VENV)/.installed-test
	$(BIN)/python -m pytest

# For developers: the notebooks that start processes, again under every start method but the
# default one (which `unit` already ran). CI covers the start methods through its legs.
start-methods: $(VENV)/.installed-test
	@default=$$($(BIN)/python -c 'import multiprocessing as mp; print(mp.get_start_method())'); \
	for method in $$($(BIN)/python -c 'import multiprocessing as mp; print(*mp.get_all_start_methods())'); do \
		[ "$$method" = "$$default" ] && continue; \
		echo "== notebooks under MP_START_METHOD=$$method"; \
		MP_START_METHOD=$$method $(BIN)/python -m pytest -q \
			$$($(BIN)/python -m helpers.course.collection --starting-processes) || exit 1; \
	done

# Every notebook run in JupyterLab in Chromium (Debian's: apt-get install chromium; Playwright's
# own browser download is never used). Screenshots land in build/browser/.
install-browser: $(VENV)/.installed-browser

test-browser: $(VENV)/.installed-browser
	@test -x "$(CHROMIUM)" || { echo "test-browser needs Chromium at $(CHROMIUM):" \
		"apt-get install chromium, or make test-browser CHROMIUM=/path/to/chromium" >&2; exit 1; }
	COURSE_CHROMIUM=$(CHROMIUM) $(BIN)/python -m pytest -m browser tests/browser

# CI's browser leg: the same under Python 3.13 (pyenv's) and spawn, the start method of macOS and
# Windows. Without Python 3.13 it says so and fails, since the CI matrix counts on it.
need-313 = @test -x "$(PY313)" || { echo "$@ needs Python 3.13: pyenv install 3.13, or" \
	"make $@ PY313=/path/to/python3.13" >&2; exit 1; }

install-browser-spawn:
	$(need-313)
	$(MAKE) --no-print-directory PYTHON=$(PY313) install-browser

test-browser-spawn:
	$(need-313)
	MP_START_METHOD=spawn $(MAKE) --no-print-directory PYTHON=$(PY313) test-browser

# One axis at a time, for developers (CI folds them into its legs; see README, "Tests"): every
# notebook pinned to one CPU under forkserver, or beside a busy neighbour.
test-one-cpu: $(VENV)/.installed-test
	@command -v taskset >/dev/null || { echo "test-one-cpu needs taskset (util-linux)" >&2; exit 1; }
	MP_START_METHOD=forkserver taskset -c 0 $(BIN)/python -m pytest -q notebooks

# Instructors re-run cells: every notebook top to bottom, then every code cell again in the same
# kernel (its first pass is also written to build/executed/). CI runs it in the 3.14 chroot leg.
test-rerun: $(VENV)/.installed-test
	$(BIN)/python -m pytest -q -m rerun tests/rerun

# A learner's laptop is busy: every notebook while another process spins one CPU. The budget
# grows by half, since the notebook shares the machine.
test-busy: $(VENV)/.installed-test
	COURSE_BUDGET_SECONDS=90 $(BIN)/python tools/busy_neighbour.py -- \
		$(BIN)/python -m pytest -q notebooks

# Unit tests, then every notebook under Python 3.14 (one CPU, twice in one kernel) and 3.15
# (beside a busy neighbour, once with nbval), from Debian's development suite in a chroot
# (debootstrapped once into ~/.cache/accelerating-python, each venv kept until pyproject.toml
# changes; Debian and root only, else it skips). prepare-modern only installs (CI runs it beside the site build).
test-modern:
	bash tools/test_modern.sh test

prepare-modern:
	bash tools/test_modern.sh prepare

# Every speed claim the tests evaluated (build/ci/claims.jsonl, all legs of a CI run), tightest
# margin first; those within 10 % of a bound are flagged before they fail.
claims: $(VENV)/.installed
	$(BIN)/python -m helpers.claims

# The headline claims measured side by side (not pass/fail): build/benchmark.md.
bench: $(VENV)/.installed
	$(BIN)/python tools/bench.py

# The website: every notebook executed once (build/executed/; skipped where the tests already
# wrote a newer copy there: `COURSE_STATIC_SITE=1 make test`, as CI runs it), rendered with its
# outputs by Sphinx and MyST-NB into build/site/ (open build/site/index.html, or serve it:
# python -m http.server -d build/site). Its browser test reads every page in Chromium.
$(VENV)/.installed-site: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[site]'
	touch $(VENV)/.installed $@

site: $(VENV)/.installed-site
	$(BIN)/python tools/build_site.py

test-site: $(VENV)/.installed-browser $(VENV)/.installed-site
	@test -x "$(CHROMIUM)" || { echo "test-site needs Chromium at $(CHROMIUM)" >&2; exit 1; }
	COURSE_CHROMIUM=$(CHROMIUM) $(BIN)/python -m pytest -q -m site tests/browser/test_site.py

clean:
	rm -rf build .venv .venv-* *.egg-info
