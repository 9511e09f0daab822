#!/usr/bin/env bash
# The whole test suite: unit, integration (real etcd) and end-to-end (real etcd + Chromium).
# On a fresh machine it installs what is missing first: Debian's etcd, Chromium, Prometheus,
# Alertmanager and kubectl (as root), and node modules from the lockfile.
set -euo pipefail
cd "$(dirname "$0")/.."
export NEXT_TELEMETRY_DISABLED=1

bash scripts/ensure-etcd.sh chromium prometheus prometheus-alertmanager kubernetes-client postgresql

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "== npm ci"
  npm ci --no-audit --no-fund
fi

mkdir -p test-results
rm -f test-results/*.json

echo "== build (with type check) and lint"
npx next build
npx eslint .

echo "== unit tests"
npx vitest run --project unit --reporter=default --reporter=json --outputFile.json=test-results/unit.json

echo "== integration tests (real etcd)"
npx vitest run --project integration --reporter=default --reporter=json --outputFile.json=test-results/integration.json

echo "== end-to-end tests (real etcd, Chromium)"
PLAYWRIGHT_JSON_OUTPUT_NAME=test-results/e2e.json npx playwright test --reporter=list,json

node scripts/test-summary.mjs test-results/unit.json test-results/integration.json test-results/e2e.json
