# Set-up is part of every target: a fresh clone needs only `make preview STACK=prod` or `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STACK ?= prod
REQUIREMENTS := requirements.txt requirements-dev.txt $(wildcard policies/requirements.txt) $(wildcard deployments/requirements.txt)

.PHONY: setup preview test lint bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: $(REQUIREMENTS)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

preview: setup
	$(PY) -m tools.preview --stack $(STACK)

lint: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

test: lint
	$(PY) -m pytest

bench: setup
	$(PY) -m bench

clean:
	rm -rf out bench/results .pytest_cache
