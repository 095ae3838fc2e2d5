# Two commands on a fresh machine:  `make run` (the baker pipeline) and `make test` (the suite).
# Both create .venv/ with a Python 3.10 and install the locked stack (requirements.lock) with uv,
# compiled to bytecode at install: where PYTHONDONTWRITEBYTECODE is set (as in many images and CI
# machines) Python would otherwise compile TensorFlow's modules again on every import (10 s, not 3.5 s).

VENV      := .venv
STAMP     := $(VENV)/.installed
UV        := $(VENV)/bin/uv
UV_PIN    := uv==0.13.9
PYTEST    ?= tests
CHROMIUM  := /usr/bin/chromium

.PHONY: run test bench docs lock clean

run: $(STAMP)
	$(VENV)/bin/tfxflow run pipelines/baker.yaml

test: $(STAMP) $(CHROMIUM)
	$(VENV)/bin/python -m pytest $(PYTEST)

# The HTML tests render tfxflow's pages in a real headless browser: Debian's chromium.
$(CHROMIUM):
	@command -v apt-get >/dev/null || { echo "the tests need Debian's chromium at $(CHROMIUM): install it" >&2; exit 1; }
	DEBIAN_FRONTEND=noninteractive apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

bench: $(STAMP)
	$(VENV)/bin/python bench/mnist_speed.py
	$(VENV)/bin/python bench/drift_speed.py

# Re-resolve the pinned set after editing requirements.in.
lock: $(STAMP)
	$(UV) pip compile requirements.in --python-version 3.10 --python-platform x86_64-manylinux_2_31 -o requirements.lock

$(STAMP): requirements.lock setup.py
	@test -x $(VENV)/bin/python || { \
	  py=""; \
	  for cand in python3.10 $$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.10*/bin/python 2>/dev/null | sort -Vr) \
	              $$(command -v uv >/dev/null && uv python find 3.10 2>/dev/null); do \
	    if "$$cand" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; then py=$$cand; break; fi; \
	  done; \
	  if [ -z "$$py" ]; then \
	    echo "tfxflow needs Python 3.10 (TFX 1.16 supports 3.9-3.10): install it, e.g. 'pyenv install 3.10' or 'uv python install 3.10', then run make again" >&2; \
	    exit 1; \
	  fi; \
	  echo "creating $(VENV) with $$py"; \
	  "$$py" -m venv $(VENV); \
	}
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check $(UV_PIN)
	$(UV) pip install --quiet --compile-bytecode --python $(VENV)/bin/python -r requirements.lock
	$(UV) pip install --quiet --compile-bytecode --python $(VENV)/bin/python --no-deps -e .
	@touch $@

clean:
	rm -rf $(VENV) runs build *.egg-info

# docs/pipeline-file.md from the pipeline file's schema, and the README's picture of a run's report.
docs: $(STAMP)
	$(VENV)/bin/python -m tfxflow.pipelines.spec_reference docs/pipeline-file.md
	$(VENV)/bin/python docs/report_picture.py
