# zwgk — every target does its own set-up: a fresh machine needs only Python 3.11.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup demo test bench clean browser-deps

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test,demo]'
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(BIN)/zwgk demo

# Debian's chromium + a CJK font for tests/reports/test_dashboard_browser.py, redis-server for the Redis crawl
# tests (apt as root; a no-op once present)
browser-deps:
	bash scripts/install-test-deps.sh

# two pytest workers (CI has 2 cores), a test file per worker: module fixtures (a demo, a district night, a
# Redis night) are built once; TEST_WORKERS=0 runs in one process
TEST_WORKERS ?= 2
test: $(STAMP) browser-deps
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile

bench: $(STAMP)
	@# an installed zwgk has its modules compiled (pip does it); with PYTHONDONTWRITEBYTECODE set, every
	@# process of the editable tree would compile them again (≈ 0.15 CPU s per process)
	$(BIN)/python -m compileall -q crawler spiders rules reports zwgk replica bench
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) var build *.egg-info
