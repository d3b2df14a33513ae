# The README's two commands, and helpers around them.
PYTHON ?= python3

.PHONY: demo test test-fast bench-gridmap lint

demo:
	$(PYTHON) -m pip install -e .
	zoufang demo

test:
	$(PYTHON) -m pip install -e '.[test]'
	$(PYTHON) -m pytest

# Everything but the tests marked slow (the demo built end to end, the demo's area plan).
test-fast:
	$(PYTHON) -m pip install -e '.[test]'
	$(PYTHON) -m pytest -m "not slow"

bench-gridmap:
	$(PYTHON) benchmarks/bench_gridmap.py

# ruff on everything; mypy (strict, see pyproject.toml) on the engine: gis/ and planner/.
lint:
	$(PYTHON) -m pip install -e '.[dev]'
	$(PYTHON) -m ruff check src tests benchmarks
	$(PYTHON) -m mypy src/zoufang/gis src/zoufang/planner
