# coopwire: the two commands a new user needs are `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test lint schema bench clean images

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c constraints.txt -e '.[dev,bench]'
	touch $(STAMP)

setup: $(STAMP)
	$(BIN)/coopwire broker fetch

demo: setup
	PATH="$(CURDIR)/$(BIN):$$PATH" bash deploy/demo.sh

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: setup lint
	$(BIN)/pytest

# The stack's images without a registry or a package index (Docker engine of DOCKER_HOST).
images: setup
	$(BIN)/coopwire deploy images

schema: $(STAMP)
	$(BIN)/coopwire schema

clean:
	rm -rf $(VENV) .coopwire *.db
