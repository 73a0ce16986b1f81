# MesoClinic — two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export MESOCLINIC_DATA_DIR ?= $(CURDIR)/data

.PHONY: run test bench lint audit install install-dev install-bench browser pdf-libs face-mesh axe demo clean messages

run: install pdf-libs face-mesh
	$(BIN)/mesoclinic migrate --noinput
	$(BIN)/mesoclinic load_demo
	@echo "Open http://127.0.0.1:$(PORT)/ and sign in with one of the demo logins above."
	@echo "The background worker (photo analysis, reminders) runs beside it; Ctrl-C stops both."
	MESOCLINIC_DEBUG=$${MESOCLINIC_DEBUG:-true} ./scripts/run-with-worker.sh $(PORT)

test: install-dev browser pdf-libs face-mesh axe
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/mypy
	./scripts/security-checks.sh
	./scripts/run-tests.sh

bench: install-bench
	./scripts/run-benchmarks.sh

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/mypy
	./scripts/security-checks.sh

# bandit, and pip-audit of the lock files when PyPI's advisory API is reachable (skipped with a note if not).
audit: install-dev
	./scripts/security-checks.sh

install: $(VENV)/.installed-runtime
install-dev: $(VENV)/.installed-dev
install-bench: $(VENV)/.installed-bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed-runtime: requirements/runtime.lock requirements/no-deps.lock pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -r requirements/runtime.lock
	$(BIN)/pip install -q --no-deps -r requirements/no-deps.lock
	$(BIN)/pip install -q --no-deps -e .
	touch $@

$(VENV)/.installed-dev: requirements/dev.lock requirements/no-deps.lock pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -r requirements/dev.lock
	$(BIN)/pip install -q --no-deps -r requirements/no-deps.lock
	$(BIN)/pip install -q --no-deps -e .
	touch $@ $(VENV)/.installed-runtime

# The load benchmark's locust (and what it needs), on top of the dev lock: only `make bench` installs it.
$(VENV)/.installed-bench: requirements/bench.lock $(VENV)/.installed-dev
	$(BIN)/pip install -q --no-deps -r requirements/bench.lock
	touch $@

# MediaPipe Face Mesh for the live capture guide (npm, pinned in vendor/face-mesh), served as static files.
face-mesh:
	@./scripts/ensure-face-mesh.sh

# axe-core (npm, pinned in vendor/axe) for the accessibility journey of the browser tests; never served.
axe:
	@./scripts/ensure-axe.sh

# Debian's Chromium for the browser tests (Playwright's own download cannot work here).
browser:
	@./scripts/ensure-browser.sh

# Debian's Pango for WeasyPrint (billing's PDF documents), apt as root when missing.
pdf-libs:
	@./scripts/ensure-pdf-libs.sh

# Translations (needs GNU gettext: apt-get install gettext). Extracts every marked string into the catalogs
# under src/mesoclinic/locale (new ones untranslated, changed ones fuzzy), then compiles them. The compiled
# .mo files are committed, so `make run` and `make test` never need gettext; src/mesoclinic/tests/test_i18n.py
# fails while a string is untranslated or fuzzy, or a .mo is older than its .po.
LANGS ?= pl
messages: install
	cd src/mesoclinic && ../../$(BIN)/mesoclinic makemessages $(addprefix -l ,$(LANGS)) --no-location \
		--ignore 'tests/*' --ignore '*/tests/*' --ignore testing.py
	cd src/mesoclinic && ../../$(BIN)/mesoclinic makemessages -d djangojs $(addprefix -l ,$(LANGS)) --no-location \
		--ignore 'tests/*' --ignore '*/face_mesh/*' --ignore '*/static/ninja/*'
	cd src/mesoclinic && ../../$(BIN)/mesoclinic compilemessages

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache vendor/face-mesh/node_modules vendor/axe/node_modules src/mesoclinic/outcomes/static/outcomes/face_mesh
