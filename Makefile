# The two commands a fresh machine needs are `make run` and `make test`; `make ci` is
# what .ci/run runs. Everything installs into .venv, made with a Python 3.12+ that
# scripts/find-python looks for (override with `make PYTHON=/path/to/python3.13 ...`).

SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
# The PostgreSQL database `make ci` and `make test-postgres` use (tests run in test_<name>),
# with least privilege as in production (hellowork/db_roles.py): the suite connects as the
# application's role, which owns nothing; the owner creates and migrates the test database.
# scripts/postgres-roles creates both roles with the cluster's superuser.
POSTGRES_SUPERUSER_URL ?= postgres://postgres@127.0.0.1:5432/postgres
POSTGRES_URL ?= postgres://hellowork_app@127.0.0.1:5432/hellowork
POSTGRES_OWNER_URL ?= postgres://hellowork_owner@127.0.0.1:5432/hellowork

# The benchmark's database (`make bench` drops and rebuilds it, and <name>_small beside it).
BENCH_URL ?= postgres://postgres@127.0.0.1:5432/hellowork_bench
BENCH_QUICK_URL ?= postgres://postgres@127.0.0.1:5432/hellowork_bench_quick

.PHONY: run test test-sqlite test-postgres invariants browser-deps screenshots lint format migrations-check deploy-check i18n-check ci clean bench bench-quick bench-prepare bench-profile

# Extra pytest arguments; `make ci` runs the state machine with the `ci` Hypothesis profile.
PYTEST_ARGS ?=

$(PY):
	@python="$$(scripts/find-python)" && echo "Creating $(VENV) with $$python" && "$$python" -m venv $(VENV)
	@$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-bench: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[bench]'
	@touch $@ $(VENV)/.installed-run

$(VENV)/.installed-dev: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@ $(VENV)/.installed-run

## run: install, migrate the SQLite database, load the demo data, serve on 127.0.0.1:8000
## (or PORT) with the workers beside it (Procfile, started by honcho; one Ctrl-C stops all),
## on the demo's short clock (DJANGO_DEMO, .env.example)
PORT ?= 8000
run: export DJANGO_DEMO = 1
run: export DJANGO_SITE_URL ?= http://127.0.0.1:$(PORT)
run: $(VENV)/.installed-run
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	@# Ctrl-C: honcho stops every process and exits 130, the normal way out, not an error.
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/honcho start -f Procfile -p $(PORT) \
		|| [ $$? -eq 130 ]

## test: the whole suite (PostgreSQL when DATABASE_URL is set, else SQLite)
test: $(VENV)/.installed-dev
	$(VENV)/bin/pytest $(PYTEST_ARGS)

test-sqlite: $(VENV)/.installed-dev
	env -u DATABASE_URL $(MAKE) --no-print-directory test

test-postgres: $(VENV)/.installed-dev
	scripts/ensure-postgres "$(POSTGRES_SUPERUSER_URL)"
	scripts/postgres-roles "$(POSTGRES_SUPERUSER_URL)" hellowork hellowork_owner hellowork_app
	DATABASE_URL="$(POSTGRES_URL)" DATABASE_OWNER_URL="$(POSTGRES_OWNER_URL)" \
		$(MAKE) --no-print-directory test

## invariants: the safety invariants' state machine with the deep Hypothesis profile
## (thousands of random sequences; on PostgreSQL when DATABASE_URL is set)
invariants: $(VENV)/.installed-dev
	$(VENV)/bin/pytest tests/invariants --hypothesis-profile deep

## browser-deps: Debian's Chromium and Japanese fonts for the browser journeys
browser-deps:
	scripts/ensure-browser

## screenshots: the browser journeys, saving screenshots of the main screens to docs/screenshots
screenshots: $(VENV)/.installed-dev browser-deps
	SCREENSHOTS=1 $(VENV)/bin/pytest tests/browser

## lint: ruff (lint incl. complexity at most 12, and format check), mypy --strict with
## django-stubs on the apps, the import contracts (pyproject.toml: imports go one way,
## selectors never call services) and the check that ORM writes stay in the services
lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy hellowork referrals counter employer_portal lint
	$(VENV)/bin/lint-imports --no-logo
	$(PY) -m lint.orm_writes

format: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

migrations-check: $(VENV)/.installed-dev
	env -u DATABASE_URL $(PY) manage.py makemigrations --check --dry-run

## deploy-check: production settings with a throwaway strong key; any warning fails
deploy-check: $(VENV)/.installed-dev
	env -u DATABASE_URL DJANGO_ENV_FILE=/dev/null DJANGO_DEBUG=0 DJANGO_ALLOWED_HOSTS=hellowork.example \
		DJANGO_SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(64))')" \
		AUDIT_CHECKPOINT_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(48))')" \
		$(PY) manage.py check --deploy --fail-level WARNING

## i18n-check: regenerate the English catalogue (locale/en), fail listing untranslated or
## fuzzy msgids, compile the .mo; installs Debian's gettext if missing (docs/TRANSLATION.md)
i18n-check: $(VENV)/.installed-run
	PY=$(PY) scripts/i18n-check

## ci: everything .ci/run checks, in order; stops at the first failure. The browser
## journeys must run here: a missing Chromium is installed, and would otherwise fail.
## The English catalogue must come committed, regenerated and compiled (I18N_CHECK_STRICT).
ci: export REQUIRE_BROWSER = 1
ci: export PYTEST_ARGS = --hypothesis-profile ci
ci: export I18N_CHECK_STRICT = 1
ci: lint migrations-check deploy-check i18n-check browser-deps test-sqlite test-postgres

## bench: the benchmark at N = 1,000,000 referrals (docs/PERFORMANCE.md); writes bench/results.json
## bench-quick: the same measurements at N = 100,000, within 5 minutes on 2 cores
# Production settings (DJANGO_DEBUG=0) with a throwaway key, plain http on 127.0.0.1.
BENCH_ENV = env DJANGO_ENV_FILE=/dev/null DATABASE_URL="$(BENCH_URL)" DJANGO_DEBUG=0 \
	DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost,testserver DJANGO_SECURE_SSL_REDIRECT=0 \
	DJANGO_LOG_LEVEL=WARNING DJANGO_SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(64))')" \
	AUDIT_CHECKPOINT_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(48))')"

bench-prepare: $(VENV)/.installed-bench
	scripts/ensure-postgres "$(BENCH_URL)"
	scripts/ensure-wrk
	$(BENCH_ENV) $(PY) manage.py collectstatic --noinput --verbosity 0

bench: bench-prepare
	$(BENCH_ENV) $(PY) -m bench --rows 1000000 $(BENCH_ARGS)

bench-quick: BENCH_URL = $(BENCH_QUICK_URL)
bench-quick: bench-prepare
	$(BENCH_ENV) $(PY) -m bench --rows 100000 --samples 150 --page-samples 40 --issues 100 \
		--seconds 10 $(BENCH_ARGS)

## bench-profile: where the app's CPU goes on each page of the mix (cProfile), on the
## database `make bench-quick` filled (BENCH_URL=... for another)
bench-profile: BENCH_URL = $(BENCH_QUICK_URL)
bench-profile: bench-prepare
	$(BENCH_ENV) $(PY) -m bench.profile $(BENCH_ARGS)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .mypy_cache .ruff_cache *.egg-info
