# Two commands on a fresh machine: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.in requirements.lock | cksum | cut -d' ' -f1)

.PHONY: install run test bench bench-compare clean

$(STAMP): requirements.in requirements.lock
	$(PY) -m pip --version >/dev/null 2>&1 || { rm -rf $(VENV) && $(PYTHON) -m venv $(VENV); }
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.in -c requirements.lock
	rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

run: install
	$(PY) -m config.devstack

test: install
	$(VENV)/bin/lint-imports --no-cache
	$(PY) -m config.embedded_redis -- $(PY) -m pytest $(PYTEST_ARGS)
	$(PY) -m config.embedded_redis -- $(PY) manage.py validate_templates --seed-demo --settings=config.settings.test

# Every tests/perf/bench_*.py in turn, then one table (figure, goal, holds) and var/bench/<time>.json.
# BENCHES=aggregation,burst make bench runs only those.
bench: install
	$(PY) -m config.embedded_redis -- $(PY) tests/perf/bench_table.py run

# The change of every figure against the previous var/bench file.
bench-compare:
	$(PY) tests/perf/bench_table.py compare

clean:
	rm -rf $(VENV) var/*.sqlite3 var/redis var/artifacts
