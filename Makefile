# The compendium's commands. `make book` and `make test` are all a newcomer needs:
# each creates .venv (Python 3.11) from the hashed lock when it is missing.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: help venv test test-fast test-all bench book lock timings stand-ins verify archive

help:
	@echo "make book   - run the embedded profiles and build the book into _build/html"
	@echo "make test   - run the test suite (about 7 minutes on 2 cores)"
	@echo "make test-fast - run every test not marked slow (under a minute)"
	@echo "make test-all  - the test suite plus the extended end-to-end checks (about 25 minutes)"
	@echo "make bench  - time the statistics (against Elephant), training, the recorders and spikelib diagnose (about 15 minutes); a summary at the end, exit 1 if one could not run"
	@echo "make lock   - regenerate requirements.lock from requirements.in"
	@echo "make timings - time the install, make book and make test (wall and CPU seconds, per step and page)"
	@echo "make stand-ins - run the embedded profiles in small again, for the book's tests (about 2 minutes)"
	@echo "make verify - rerun 3 committed cells drawn at random and compare every stored value (about 2 minutes)"
	@echo "make archive - the commit, its results and the built book as one .tar.gz with a SHA256SUMS (after make book)"

venv: $(STAMP)

# The editable install runs with -qq: setuptools prints an 'Editable installation' notice on every one,
# which asks nothing of the reader.
$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install -qq --no-deps -e .
	@touch $(STAMP)

# Two test processes (pytest-xdist); tests that share the stand-in results run in one of them. The 15 slowest
# tests are listed after each run.
PYTEST := $(BIN)/python -m pytest -n 2 --dist loadgroup --durations=15

test: $(STAMP)
	$(PYTEST) -m "not extended"

test-fast: $(STAMP)
	$(PYTEST) -m "not slow and not extended"

test-all: $(STAMP)
	$(PYTEST)

bench: $(STAMP)
	$(BIN)/python -m spikelib.diagnose.speed

lock:
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile requirements.in --python-version 3.11 \
	    --python-platform x86_64-manylinux_2_28 --generate-hashes --no-header -o requirements.lock

# Runs the embedded profiles (quick, quick_zoo, quick_clean), executes every page, builds strictly.
book: $(STAMP)
	$(BIN)/python -m spikelib.report.book --strict

# Reruns a seeded sample of committed cells and compares them; writes verification/latest.json.
verify: $(STAMP)
	$(BIN)/spikelib verify

# One file for a deposit: the commit's files, the built book, ARCHIVE.json and SHA256SUMS (dist/).
archive: $(STAMP)
	$(BIN)/python -m spikelib.pipeline.archive

# The small results the book's tests read (tests/stand_ins/): made by the real runner, committed; remade
# after a change to what a cell records (tests/test_stand_ins.py says when).
stand-ins: $(STAMP)
	$(BIN)/python tests/make_stand_ins.py

# The README's numbers: install, make book and make test, wall and CPU seconds, per step and per page.
timings:
	$(PYTHON) spikelib/pipeline/timings.py
