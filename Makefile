# The README's two commands, and helpers around them.
PYTHON ?= python3

.PHONY: demo test bench-gridmap lint

demo:
	$(PYTHON) -m pip install -e .
	zoufang demo

test:
	$(PYTHON) -m pip install -e '.[test]'
	$(PYTHON) -m pytest

bench-gridmap:
	$(PYTHON) benchmarks/bench_gridmap.py

lint:
	$(PYTHON) -m pip install -e '.[dev]'
	ruff check src tests benchmarks
