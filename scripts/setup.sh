#!/usr/bin/env bash
# Set up a fresh machine for guidegraph: Graphviz's `dot`, headless Chromium (with --browser, for the browser tests),
# a virtual environment in .venv, the package with its dev, lsp, cohort and fhir extras. Idempotent and quick when nothing changed (a
# stamp holds the hash of pyproject.toml).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v dot >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing Graphviz (dot) with apt-get"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null
  else
    echo "setup: Graphviz's 'dot' is missing; install it (sudo apt-get install graphviz, or brew install graphviz)" >&2
    exit 2
  fi
fi

# Headless Chromium for the browser tests of `guidegraph report` (tests/test_report.py), with --browser only (the
# tests ask for it; the main job does not). Optional: without it those tests skip and say why; CI runs as root and
# gets it.
if [ "${1:-}" = "--browser" ] && ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing headless Chromium (chromium) with apt-get, for the browser tests"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } ||
      echo "setup: could not install chromium; the browser tests will be skipped" >&2
  else
    echo "setup: chromium is not installed; the browser tests will be skipped (sudo apt-get install chromium)" >&2
  fi
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  "$PY" -m venv .venv
fi
stamp=.venv/.guidegraph-installed
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ] || ! .venv/bin/python -c "import dsl, engine, visualize, z3, pygls, duckdb, sqlglot, pyarrow, fhir.resources, starlette, uvicorn, jwt, cryptography" 2>/dev/null; then
  echo "setup: installing guidegraph, its dev tools, the language server, the cohort engines and the FHIR service into .venv"
  .venv/bin/python -m pip install -q --disable-pip-version-check -e '.[dev,lsp,cohort,fhir]'
  echo "$want" > "$stamp"
fi
