# make run: serve on the embedded default · make test: the whole suite · make bench: benchmarks
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask
PYBABEL := $(VENV)/bin/pybabel
export FLASK_APP := webinar

.PHONY: run test bench translations vendor messages clean

$(VENV)/installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(VENV)/dev-installed: requirements-dev.txt $(VENV)/installed
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

# hls.js and tus-js-client, pinned in package-lock.json, copied next to our own static files.
VENDOR := webinar/static/vendor
$(VENDOR)/installed: package-lock.json
	npm ci --no-audit --no-fund --silent
	mkdir -p $(VENDOR)
	cp node_modules/hls.js/dist/hls.light.min.js node_modules/tus-js-client/dist/tus.min.js \
	   node_modules/socket.io-client/dist/socket.io.min.js $(VENDOR)/
	touch $@

vendor: $(VENDOR)/installed

translations: $(VENV)/installed
	$(PYBABEL) -q compile -d webinar/translations

run: $(VENV)/installed translations vendor
	$(FLASK) db upgrade
	$(FLASK) create-admin --if-none
	$(FLASK) serve --host 127.0.0.1 --port 5000

test: $(VENV)/dev-installed translations vendor
	$(PY) -m pytest

bench: $(VENV)/dev-installed translations
	@for b in bench/*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

# After changing user-facing strings: extract them and merge into the ky/ru/en catalogs.
messages: $(VENV)/installed
	$(PYBABEL) -q extract -F babel.cfg -k _l -o webinar/translations/messages.pot .
	$(PYBABEL) -q update --no-fuzzy-matching --ignore-obsolete -i webinar/translations/messages.pot -d webinar/translations

clean:
	rm -rf $(VENV) .pytest_cache
