# The two commands in the README: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed

# The test suite runs with production settings (DEBUG off) and a throwaway key. With SECRET_KEY
# set, var/local.env is not read (portal/core/env.py), so its DEBUG=1 never reaches the tests.
TEST_ENV := DEBUG=0 SECRET_KEY=test-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz \
	SECURE_SSL_REDIRECT=0 ALLOWED_HOSTS=testserver,localhost,127.0.0.1
PYTEST_ARGS ?= -n 2

.PHONY: demo-code dev-idporten e2e e2e-deps run test test-services test-api token-issuer lint venv collectstatic migrate demo clean lock worker beat messages schema bench-autosave bench-dashboard bench-export bench-housing bench-scale bench-report

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.lock | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	touch $(STAMP)

venv: $(STAMP)

# This checkout's own settings, read by portal/settings.py wherever the environment does not set
# them (and not at all where it sets SECRET_KEY), so that `python manage.py …` as the docs show
# it runs in development mode with a key of its own. Written once; delete it for a new key.
LOCAL_ENV := var/local.env

$(LOCAL_ENV): | $(BIN)/python
	mkdir -p var
	umask 077 && $(BIN)/python -c "import secrets; print('DEBUG=1'); print('SECRET_KEY=' + secrets.token_urlsafe(50))" > $@.tmp
	mv $@.tmp $@

migrate: venv $(LOCAL_ENV)
	DEBUG=1 $(BIN)/python manage.py migrate --noinput

demo: migrate
	DEBUG=1 $(BIN)/python manage.py load_demo
	DEBUG=1 $(BIN)/python manage.py load_survey_editions
	DEBUG=1 $(BIN)/python manage.py load_survey_demo_answers
	DEBUG=1 $(BIN)/python manage.py load_housing_demo
	DEBUG=1 $(BIN)/python manage.py load_benchmark_defaults

run: demo
	@echo "The portal: http://127.0.0.1:$(PORT)/  (demo users in README.md, password: demo)"
	DEBUG=1 $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

collectstatic: venv
	$(TEST_ENV) $(BIN)/python manage.py collectstatic --noinput -v0

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	SECRET_KEY=lint $(BIN)/mypy
	$(BIN)/lint-imports

# The browser tests' Chromium (Debian), and axe-core (npm). Tried by `make test`; where it cannot
# install them (not root, no network) the browser tests are skipped and say why.
AXE_VERSION := 4.14.1
E2E_DIR := var/e2e

e2e-deps:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    (DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1 || \
	     (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)) \
	     || echo "could not install Chromium: the browser tests will be skipped"; \
	  else echo "Chromium is missing and cannot be installed here: the browser tests will be skipped"; fi; \
	fi
	@if [ ! -f $(E2E_DIR)/node_modules/axe-core/axe.min.js ]; then \
	  mkdir -p $(E2E_DIR) && (cd $(E2E_DIR) && npm install --silent --no-audit --no-fund --no-save axe-core@$(AXE_VERSION) >/dev/null 2>&1) \
	  || echo "could not install axe-core from npm: the browser tests will be skipped"; \
	fi

test: venv collectstatic lint e2e-deps
	$(TEST_ENV) $(BIN)/python -m pytest $(PYTEST_ARGS)

# Only the browser tests (Chromium + gunicorn + axe-core), failing where something is missing.
e2e: venv collectstatic e2e-deps
	$(TEST_ENV) E2E_REQUIRED=1 $(BIN)/python -m pytest tests/e2e $(PYTEST_ARGS)

# The same suite against PostgreSQL and Redis (see .ci/run for how they are started).
test-services: venv collectstatic
	$(TEST_ENV) DATABASE_URL=$${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/portal} \
		REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/0} \
		$(BIN)/python -m pytest --ignore=tests/e2e $(PYTEST_ARGS)

# Schemathesis against the API's OpenAPI document (tests/api/test_schema.py), with the tokens of a
# municipality's client, another municipality's and the directorate's; a few minutes at most.
API_FUZZ_EXAMPLES ?= 30
test-api: venv collectstatic
	$(TEST_ENV) API_FUZZ_EXAMPLES=$(API_FUZZ_EXAMPLES) $(BIN)/python -m pytest tests/api/test_schema.py -m api_fuzz -p no:xdist -q

# The local token issuer for the API (development only; docs/api.md): http://127.0.0.1:8765
token-issuer: venv
	$(BIN)/python -m tests.providers.token_issuer --port 8765 --key-file var/token-issuer/key.pem

# A local OpenID provider standing in for ID-porten, with one person (development only;
# docs/id-porten.md): http://127.0.0.1:9400
DEV_PERSON := {"sub": "kari.nordmann", "pid": "01017012345", "acr": "idporten-loa-substantial", "sid": "dev-session-kari"}

dev-idporten: venv
	$(BIN)/oidc-provider-mock --port 9400 --require-nonce true --user-claims '$(DEV_PERSON)'

# The demo directorate users' current two-factor code (docs/roles.md).
demo-code: venv
	@DEBUG=1 $(BIN)/python manage.py demo_totp_code

worker: venv
	$(BIN)/celery -A portal worker --loglevel=INFO

beat: venv
	$(BIN)/celery -A portal beat --loglevel=INFO

lock: venv
	@test -x $(BIN)/pip-compile || $(BIN)/python -m pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --extra test --strip-extras --output-file requirements.lock pyproject.toml

clean:
	rm -rf $(VENV) var .pytest_cache

# After changing user-facing strings: update the catalogs, translate, then compile.
messages: venv
	DEBUG=1 $(BIN)/python manage.py makemessages -l nb -l nn -l en --ignore=.venv --ignore=var --ignore=tests --ignore=bench --no-obsolete
	DEBUG=1 $(BIN)/python manage.py compilemessages --ignore=.venv

# After changing surveys/editions/schema.py: regenerate the published schema.
schema: venv
	SECRET_KEY=schema $(BIN)/python -c "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'portal.settings'); django.setup(); from surveys.editions.schema import schema_json, SCHEMA_PATH; SCHEMA_PATH.write_text(schema_json(), encoding='utf-8')"

# The autosave benchmark against gunicorn + PostgreSQL (bench/README.md).
bench-autosave: venv
	$(BIN)/python bench/autosave.py --seconds 15

# The follow-up dashboard for 372 organisations × 100 questions (bench/README.md).
bench-dashboard: venv
	$(BIN)/python bench/dashboard.py

# The data export benchmark: 100 questions × 372 organisations in a throwaway SQLite database.
bench-export: venv
	$(BIN)/python bench/export.py

# The settlement officer's search over 357 municipalities (bench/README.md).
bench-housing: venv
	$(BIN)/python bench/housing_search.py

# How dashboard, analysis, export and search grow at 1×, 3× and 10× the data (bench/README.md).
# A quick run: make bench-scale SCALE_ARGS=--quick
bench-scale: venv
	$(BIN)/python bench/scaling.py $(SCALE_ARGS)

# The benchmark report: one report vs WeasyPrint, queries, and a batch of all organisations on
# one vs two Celery workers against PostgreSQL + Redis (~1 h; bench/README.md).
# A quick run: make bench-report BENCH_REPORT_ARGS="--reports 20"
bench-report: venv
	$(BIN)/python bench/benchmark_report.py $(BENCH_REPORT_ARGS)

# The deadline rush: 400 respondents of all 372 organisations log in and autosave at once against
# gunicorn + PostgreSQL, then every answer is checked (bench/README.md). 3 min per phase; a short
# run: make bench-rush RUSH_ARGS="--seconds 20 --warmup 5"
RUSH_ARGS ?=
.PHONY: bench-rush
bench-rush: venv
	$(BIN)/python bench/deadline_rush.py $(RUSH_ARGS)

# The fault tests (tests/faults): Redis stopped, a Celery worker killed mid-batch, PostgreSQL
# restarted, each against a private PostgreSQL cluster and Redis server of its own (never the
# shared ones), with gunicorn and Celery as in production; about two minutes. Skipped where the
# PostgreSQL server binaries or redis-server are missing, unless FAULTS_REQUIRED=1.
.PHONY: faults
faults: venv collectstatic
	$(TEST_ENV) $(BIN)/python -m pytest tests/faults -m faults -p no:xdist $(FAULTS_ARGS)
