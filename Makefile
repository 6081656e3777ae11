# Gongzhi (共治). `make run` brings the platform up; `make test` runs every test.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
VERSION ?= 0.1.0
IMAGE   ?= gongzhi
SERVICES ?= residents health council metrics events gateway

.PHONY: install run test test-fast images clean hospital-sim web web-test

install: $(VENV)/.installed

# Reinstall whenever the pinned dependencies change.
$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[store,test]'
	touch $@

run: install web  ## the whole platform with the Kaixuan demo data and the console; Ctrl-C stops it
	$(BIN)/python -m devstack.launcher

hospital-sim: install  ## play Taihe Hospital against `make run`: accept referrals, discharge, record a visit
	$(BIN)/python -m integrations.hospital.simulator --tenant hongwei demo $(ARGS)

test: install web  ## every test: unit, service (real broker and store), end to end, deploy checks, console
	$(BIN)/python -m pytest
	$(MAKE) web-test

# -- the community console (web/): npm from the lock file, built when web/dist is older than
# its sources; the gateway serves web/dist (docs/adr/0012-console.md).
WEB_SOURCES := $(shell find web/src -type f 2>/dev/null) web/index.html web/vite.config.ts web/package-lock.json

web: web/dist/index.html  ## build the console if its sources changed

web/node_modules/.installed: web/package-lock.json
	cd web && npm ci --no-audit --no-fund
	touch $@

web/dist/index.html: web/node_modules/.installed $(WEB_SOURCES)
	cd web && npm run build

web-test: install web  ## the console's Vitest units, then its Playwright tests on their own platform (Debian's Chromium)
	cd web && npm run test:unit
	cd web && GONGZHI_PYTHON=$(abspath $(BIN)/python) npx playwright test

test-fast: install  ## only the tests that need no broker or store
	$(BIN)/python -m pytest -m "not integration"

images:  ## build the service image (needs a Docker engine); the k8s manifests use $(IMAGE):$(VERSION)
	docker build --build-arg VERSION=$(VERSION) -t $(IMAGE):$(VERSION) .
	for s in $(SERVICES); do \
	  docker build --build-arg VERSION=$(VERSION) --build-arg SERVICE=$$s -t $(IMAGE)-$$s:$(VERSION) . || exit 1; \
	done

clean:
	rm -rf .run .pytest_cache

.PHONY: bench bench-tools
bench: install bench-tools  ## benchmarks against hand-written baselines (bench/RESULTS.md); under 5 minutes
	$(BIN)/python -m bench.run $(ARGS)

# wrk (Debian's package) drives the read benchmarks; without it bench/load.py's Python client does.
bench-tools:
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >/dev/null; } || \
	  echo "wrk is not installed: reads are measured with the Python client"

.PHONY: dlq
dlq: install  ## dead letters: make dlq ARGS="list" | "show C KEY" | "replay C KEY|--all" | "purge C"
	$(BIN)/python -m chassis.dlq $(ARGS)
