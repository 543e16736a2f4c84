#!/usr/bin/env bash
# The project's test command (README and .ci/run): lint, type-check, then the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== ruff"; ruff check src tests benchmarks scripts
echo "== mypy"; mypy
echo "== pytest"; pytest -n 2 -p no:cacheprovider "$@"
