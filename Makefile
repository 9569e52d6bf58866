# The two commands of the README. Both set up a fresh machine first (scripts/setup.sh).
.PHONY: setup setup-browser lms test test-fast test-slow test-spark lint bench figures editor editor-screenshot

GG := .venv/bin/guidegraph
OUT := out

setup:
	@bash scripts/setup.sh

# The tests also want headless Chromium (the browser tests of `guidegraph report`); the main job does not.
setup-browser: setup
	@bash scripts/setup.sh --browser

# The main job: check, test, run, render and report the leiomyosarcoma guideline into out/.
lms: setup
	$(GG) check rules/lms.rules
	$(GG) test rules/lms.rules rules/cases
	@mkdir -p $(OUT)
	$(GG) run rules/lms.rules rules/cases --format json -o $(OUT)/lms-results.json
	$(GG) run rules/lms.rules rules/cases -o $(OUT)/lms-results.txt
	$(GG) render rules/lms.rules -o $(OUT)/lms-pathway.svg
	$(GG) render rules/lms.rules -o $(OUT)/lms-pathway.png
	$(GG) report rules/lms.rules rules/cases -o $(OUT)/lms-report.html
	@echo "lms: results in $(OUT)/lms-results.{txt,json}, flowchart in $(OUT)/lms-pathway.{svg,png} (an overview page, then lms-pathway-pN), report in $(OUT)/lms-report.html"

lint: setup
	.venv/bin/ruff check .
	.venv/bin/mypy

# The tests: lint, types, then the default suite with the module doctests (under a minute and a half on 2 cores).
# The tests marked slow (the big property and fuzz tests, the 50 MB cohort, the real node limit, the browser runs)
# are the slow tier: `make test-slow`, which CI runs after this one.
test: lint setup-browser
	.venv/bin/python -m pytest -m "not slow"

# The quick loop while editing: the default suite without lint and types.
test-fast: setup-browser
	.venv/bin/python -m pytest -m "not slow"

# The slow tier (CI runs it after `make test`, with a budget of 480 s; measured here: about 240 s).
test-slow: setup-browser
	.venv/bin/python -m pytest -m slow

# The Spark tier: the spark extra (pyspark, a 455 MB download; Spark needs Java 17+) and the tests marked spark
# (run --engine spark and Spark's dialect against Python and DuckDB, row by row). CI runs it after the slow tier.
test-spark: setup
	.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[cohort,spark]'
	.venv/bin/python -m pytest -m spark tests/test_spark.py

# The editor tier (node 18+): the TextMate grammar's snapshot tests, the server started as the extension starts it,
# and the VS Code extension packaged to editors/vscode/guidegraph-rules.vsix (npm ci installs the pinned tools); then
# the README's editor picture made afresh into out/editor-lsp.png (the server's diagnostics and hover shown in the
# Monaco editor in headless Chromium: editors/screenshot/shoot.js), skipped, saying so, without chromium.
editor:
	cd editors/vscode && npm ci --no-audit --no-fund --loglevel=error && npm run -s test:grammar && npm run -s test:server && npm run -s package
	@mkdir -p $(OUT)
	@if command -v "$${CHROMIUM:-/usr/bin/chromium}" >/dev/null 2>&1; then \
	  cd editors/screenshot && npm ci --no-audit --no-fund --loglevel=error && node shoot.js ../../$(OUT)/editor-lsp.png $(SHOT); \
	else echo "editor: chromium not found: the editor picture (editors/screenshot) is skipped" >&2; fi

# The picture's scene: lms.rules, the rule hovered, and the typo (the first FROM after the rule becomes TO).
SHOT := ../../rules/lms.rules rt_standard "rt_timing == postoperative" "rt_timng == postoperative"

# The committed picture of the README's "Editor support" (look at it before committing a new one).
editor-screenshot:
	cd editors/screenshot && npm ci --no-audit --no-fund --loglevel=error && node shoot.js ../../docs/editor-lsp.png $(SHOT)

# The benchmarks, with the peer engines (zen-engine, rule-engine) installed from the bench extra.
bench: setup
	.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[bench]'
	.venv/bin/python -m bench

# The committed figures of the LMS guideline (docs/figures/): the whole pathway and one per section.
figures: setup
	$(GG) render rules/lms.rules -o docs/figures/lms-pathway.svg
	for s in $$($(GG) export rules/lms.rules --format json | .venv/bin/python -c \
	    "import json,sys; print(' '.join(s['name'] for s in json.load(sys.stdin)['sections']))"); do \
	  $(GG) render rules/lms.rules --section $$s -o docs/figures/lms-$$s.svg || exit 1; \
	done
