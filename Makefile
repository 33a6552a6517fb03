# homelab.connectx — two commands do everything on a fresh Debian 12 machine (as root):
#   make demo   build the built-in lab if needed and run playbooks/site.yml against it
#   make test   unit tests, ansible-test sanity, ansible-lint (production), lab tests, molecule
# Everything is installed from this tree's own files: tests/apt-packages.txt (+ the lab's list),
# requirements*.txt with exact pins and constraints.txt for what they pull in.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
VPY := $(VENV)/bin/python
CACHE := .cache
APT_LISTS := tests/apt-packages.txt $(wildcard tests/lab/apt-packages.txt)
COLLECTION_LINK := $(CACHE)/collections/ansible_collections/homelab/connectx
MOLECULE_SCENARIOS := $(sort $(notdir $(patsubst %/molecule.yml,%,$(wildcard extensions/molecule/*/molecule.yml))))
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: help demo test deps apt venv collection unit compat sanity lint import-check lab-tests molecule faults bench build docs clean

help:
	@echo "make demo   - run playbooks/site.yml against the built-in lab (builds it if needed)"
	@echo "make test   - everything: unit, sanity, lint, lab tests, molecule"
	@echo "make unit | compat | sanity | lint | import-check | lab-tests | molecule [SCENARIO=name] | faults | bench | build | docs"
	@echo "make lab-up | lab-down | lab-status"

# --- setup ------------------------------------------------------------------------------
deps: apt venv collection

# Install the Debian packages once per change of the lists (apt-get update first).
apt: $(CACHE)/apt.stamp
$(CACHE)/apt.stamp: $(APT_LISTS)
	@mkdir -p $(CACHE)
	@pkgs=$$(cat $(APT_LISTS) | sed 's/#.*//' | xargs); \
	if dpkg-query -W -f='$${Status}\n' $$pkgs 2>/dev/null | grep -vq '^install ok installed$$' \
	   || [ "$$(dpkg-query -W $$pkgs 2>/dev/null | wc -l)" -ne "$$(echo $$pkgs | wc -w)" ]; then \
	  echo "apt: installing $$pkgs"; \
	  DEBIAN_FRONTEND=noninteractive apt-get update -q; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$pkgs; \
	fi
	@touch $@

venv: $(VENV)/.installed
$(VENV)/.installed: requirements.txt requirements-dev.txt constraints.txt
	@test -x $(VPY) || $(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install -q -r requirements-dev.txt -c constraints.txt
	@touch $@

# ansible finds homelab.connectx through this link to the working tree (see ansible.cfg).
collection: $(COLLECTION_LINK)
$(COLLECTION_LINK):
	@mkdir -p $(dir $@)
	@ln -sfn $(CURDIR) $@

# --- tests ------------------------------------------------------------------------------
test: deps unit compat sanity lint import-check lab-tests molecule
	@echo "make test: all checks passed"

unit: venv
	$(VPY) -m pytest tests/unit tests/packaging -q -p no:cacheprovider

# The unit and packaging tests again on each ansible-core that meta/runtime.yml claims, each in its
# own venv from tests/compat/ansible-core-<version>.txt (exact pins).
compat: apt collection
	tests/compat/run.sh

sanity: venv
	tests/sanity/run.sh

lint: venv collection
	ansible-lint --profile production --offline

# Galaxy's own import checks (galaxy-importer, with ansible-lint) on the built tarball, in a venv of their own
# (tests/import/requirements.txt, exact pins: it needs an older attrs than the test venv). Clean today: a WARNING or
# ERROR line fails, as a failed import does.
IMPORT_VENV := $(CACHE)/import-venv
$(IMPORT_VENV)/.installed: tests/import/requirements.txt
	@test -x $(IMPORT_VENV)/bin/python || $(PYTHON) -m venv $(IMPORT_VENV)
	$(IMPORT_VENV)/bin/python -m pip install -q -r tests/import/requirements.txt
	@touch $@
import-check: build $(IMPORT_VENV)/.installed
	@rm -rf build/import && mkdir -p build/import
	cd build/import && PATH=$(CURDIR)/$(IMPORT_VENV)/bin:$$PATH $(CURDIR)/$(IMPORT_VENV)/bin/python -m galaxy_importer.main \
	  $$(ls -t $(CURDIR)/build/*.tar.gz | head -n 1) 2>&1 | tee importer.log
	@if grep -E '^(WARNING|ERROR)' build/import/importer.log; then echo "import-check: galaxy-importer warns (above)"; exit 1; fi

# The lab's own tests (emulated cards under the real mstflint, podman hosts); they skip
# themselves with a reason when the machine cannot run them.
lab-tests: deps
	@if ls tests/lab/test_*.py >/dev/null 2>&1; then \
	  $(VPY) -m pytest tests/lab -q -p no:cacheprovider; \
	else echo "lab-tests: no lab tests yet"; fi

# Every scenario of extensions/molecule (or SCENARIO=name), one after the other on a fresh lab;
# the lab is torn down after each, also when it fails (labctl down is idempotent).
molecule: deps collection
	@scenarios="$(if $(SCENARIO),$(SCENARIO),$(MOLECULE_SCENARIOS))"; \
	if [ -z "$$scenarios" ]; then echo "molecule: no scenarios in extensions/molecule yet"; exit 0; fi; \
	trap '$(VPY) tests/lab/labctl.py down' EXIT; \
	for s in $$scenarios; do \
	  $(VPY) tests/lab/labctl.py down; \
	  start=$$(date +%s); molecule test -s $$s; \
	  echo "molecule: scenario $$s passed in $$(( $$(date +%s) - start ))s"; \
	done

# The reliability fault matrix (tests/fault_matrix.yml): its tests only, and the matrix with results.
faults: deps collection
	$(VPY) tests/fault_matrix.py

# The benchmark (bench/run.py): by hand over SSH vs site.yml first converge vs re-run, N = 1 2 4 8 lab hosts
# (BENCH_HOSTS="1 2" for fewer), with the lab's fast and realistic timing (BENCH_PROFILES=fast for one), and over
# podman exec at the smallest and largest N (BENCH_PODMAN_HOSTS="1" or none); writes bench/results.json,
# results.md and chart.svg. Not part of test (bench/README.md: what it measures, how long it takes).
BENCH_HOSTS ?= 1 2 4 8
BENCH_PROFILES ?= fast realistic
BENCH_PODMAN_HOSTS ?=
bench: deps collection
	$(VPY) bench/run.py --hosts $(BENCH_HOSTS) --profiles $(BENCH_PROFILES) $(if $(strip $(BENCH_PODMAN_HOSTS)),--podman-hosts $(BENCH_PODMAN_HOSTS))

# --- the main job ------------------------------------------------------------------------
demo:
	@test -f playbooks/site.yml || { echo "make demo: playbooks/site.yml does not exist yet (roles and playbooks are still to be written), so there is nothing to run." >&2; exit 1; }
	@test -f tests/lab/labctl.py || { echo "make demo: the built-in lab (tests/lab/labctl.py) does not exist yet, so there is nothing to run site.yml against." >&2; exit 1; }
	@$(MAKE) --no-print-directory deps lab-up
	ansible-playbook -i $(CACHE)/lab/inventory.yml playbooks/site.yml

# --- packaging and docs -----------------------------------------------------------------
build: venv
	@mkdir -p build
	ansible-galaxy collection build --force --output-path build .

# Reference docs: docs/reference/*.rst (index.rst, <module>_module.rst, <filter>_filter.rst, <role>_role.rst)
# from the modules', filters' and roles' own documentation, in simplified RST that a git forge renders
# without Sphinx. Only docs/reference is rewritten (files it no longer writes are removed).
docs: venv collection
	@mkdir -p docs/reference
	$(VENV)/bin/antsibull-docs collection --use-current --fail-on-error --output-format simplified-rst \
	  --squash-hierarchy --no-add-antsibull-docs-version --cleanup everything --dest-dir docs/reference homelab.connectx

clean:
	rm -rf build tests/output .pytest_cache

-include tests/lab/lab.mk
