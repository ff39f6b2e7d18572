# Two commands on a fresh machine (README, quick start):
#   make demo   sets up .venv and runs the annual assessment on the bundled demo data
#   make test   sets up .venv with the test tools and runs the test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
YEAR   ?= 2025
OUT    ?= out/demo-$(YEAR)

.PHONY: demo test setup setup-dev lock fonts lint clean

demo: $(VENV)/.runtime
	$(BIN)/etdz assess --demo --year $(YEAR) --out $(OUT)

test: $(VENV)/.dev
	$(BIN)/python -m pytest

setup: $(VENV)/.runtime
setup-dev: $(VENV)/.dev

# The locks pin every package for reproducible installs; uv installs them in seconds.
$(VENV)/.uv:
	bash scripts/ensure-system-deps.sh
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv>=0.5"
	touch $@

$(VENV)/.runtime: $(VENV)/.uv requirements.lock pyproject.toml
	$(BIN)/uv pip install --quiet --python $(BIN)/python -r requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.lock
	bash scripts/ensure-system-deps.sh --browser
	$(BIN)/uv pip install --quiet --python $(BIN)/python -r requirements-dev.lock
	touch $@

# Re-resolve the locks after changing dependencies in pyproject.toml.
lock: $(VENV)/.uv
	$(BIN)/uv pip compile --quiet pyproject.toml --python-version 3.11 -o requirements.lock
	$(BIN)/uv pip compile --quiet pyproject.toml --extra dev --python-version 3.11 -o requirements-dev.lock

# Rebuild the bundled Chinese fonts from Debian's Noto Sans CJK (needs apt and root).
fonts: $(VENV)/.dev
	$(BIN)/python scripts/build_fonts.py

lint: $(VENV)/.dev
	$(BIN)/ruff check flows transforms expectations report_templates config tests scripts

clean:
	rm -rf $(VENV) out .pytest_cache
