# The two commands a newcomer needs:  make run   and   make test
# Both create the virtualenv and install what they need on first use.
VENV ?= .venv
PY := $(VENV)/bin/python
# Debian's python3 is built with profile-guided and link-time optimisation: about 15 % faster
# than an unoptimised build (pyenv's default) on cxgov's CPU-bound work, PDF layout above all.
# Use it when it can make a virtualenv (package python3-venv); otherwise whatever python3 is.
PYTHON ?= $(shell /usr/bin/python3 -c 'import ensurepip, venv' 2>/dev/null && echo /usr/bin/python3 || echo python3)
PYTEST_ARGS ?=
# Arguments for run.py, e.g. make run ARGS="--port 8000" (also --host, --no-demo).
ARGS ?=

.PHONY: run test lint install system-deps bench clean messages catalogues

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

## Compile each language's catalogue (translations/*/LC_MESSAGES/messages.mo, not committed) when stale.
catalogues: install
	$(PY) -m cxgov.catalogues

## Start cxgov on the embedded SQLite database, with the demo workspace (logins printed).
run: install catalogues
	$(PY) run.py $(ARGS)

## Lint (ruff), format check and types (mypy) on cxgov/; settings in pyproject.toml.
lint: install
	VENV=$(VENV) bash scripts/lint

## Run the linters and, at the same time, the whole test suite (unit, property, migration and
## browser tests); fails when either fails. Prints the ten slowest tests by wall time and by CPU
## time (the fair figure on a busy machine), then the linters' output.
test: install catalogues system-deps
	VENV=$(VENV) bash scripts/test -n 2 --dist loadgroup --durations=10 --cpu-durations=10 $(PYTEST_ARGS)

## Chromium for the browser tests, poppler for PDF checks, fonts for reports (Debian packages).
system-deps:
	@bash scripts/ensure-system-deps

bench: install
	$(PY) bench/run_all.py

## Extract every gettext string, update each language's catalogue and compile them.
messages: install
	VENV=$(VENV) bash scripts/messages

clean:
	rm -rf $(VENV) instance .pytest_cache
