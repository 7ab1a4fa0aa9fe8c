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

.PHONY: lab test lint unit start-methods test-browser html clean

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

test: lint unit start-methods

lint: $(VENV)/.installed-test
	$(BIN)/ruff check helpers tests notebooks conftest.py

unit: $(VENV)/.installed-test
	$(BIN)/python -m pytest

# The notebooks that start processes, again under every start method but the default one
# (which `unit` already ran).
start-methods: $(VENV)/.installed-test
	@default=$$($(BIN)/python -c 'import multiprocessing as mp; print(mp.get_start_method())'); \
	for method in $$($(BIN)/python -c 'import multiprocessing as mp; print(*mp.get_all_start_methods())'); do \
		[ "$$method" = "$$default" ] && continue; \
		echo "== notebooks under MP_START_METHOD=$$method"; \
		MP_START_METHOD=$$method $(BIN)/python -m pytest -q \
			$$($(BIN)/python -m helpers.collection --starting-processes) || exit 1; \
	done

# Every notebook run in JupyterLab in Chromium (Debian's: apt-get install chromium; Playwright's
# own browser download is never used). Screenshots land in build/browser/.
test-browser: $(VENV)/.installed-browser
	@test -x "$(CHROMIUM)" || { echo "test-browser needs Chromium at $(CHROMIUM):" \
		"apt-get install chromium, or make test-browser CHROMIUM=/path/to/chromium" >&2; exit 1; }
	COURSE_CHROMIUM=$(CHROMIUM) $(BIN)/python -m pytest -m browser tests/browser

html: $(VENV)/.installed
	mkdir -p build/html
	$(BIN)/jupyter nbconvert --to html --execute --ExecutePreprocessor.timeout=300 \
		--output-dir build/html notebooks/*.ipynb

clean:
	rm -rf build .venv .venv-* *.egg-info
