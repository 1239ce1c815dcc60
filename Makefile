# Two commands matter: `make run` and `make test`. Everything else is for maintainers.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test lint typecheck bench dist dist-check sysdeps clean

run: sysdeps $(STAMP)
	$(PY) -m ui $(ARGS)

test: sysdeps $(STAMP)
	QT_QPA_PLATFORM=offscreen QT_API=pyside6 $(PY) -m pytest -p no:cacheprovider $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

bench: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest tests/bench -s -p no:cacheprovider

dist: sysdeps $(STAMP)
	$(PY) -m pip install -q -e '.[dist]'
	$(PY) -m PyInstaller --noconfirm --clean --distpath dist --workpath build/pyinstaller packaging/spacedrive.spec

dist-check: dist
	packaging/linux/dist-check.sh dist/spacedrive

sysdeps:
	@packaging/linux/system-deps.sh

# The venv is rebuilt when pyproject.toml changes; the stamp records a finished install.
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is needed"' || \
		{ echo "error: $(PYTHON) is older than 3.11; install python3 (>= 3.11) and retry"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache
