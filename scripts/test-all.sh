#!/usr/bin/env bash
# The full test suite (`npm test`): types, lint, unit, integration against moto, the audit
# report in headless chromium, packaging +
# cfn-lint + IAM. Stops at the first failing stage and says which; ends with one total line.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

REPORTS="$(mktemp -d)"
trap 'rm -rf "$REPORTS"' EXIT
stage() { printf '\n=== %s ===\n' "$1"; }
vitest_project() {
  npx vitest run --project "$1" --reporter=default --reporter=json --outputFile.json="$REPORTS/$1.json"
}

stage "node $(node --version) (Lambda runtime: nodejs22.x)"
stage "local AWS emulator toolchain (moto, cfn-lint)"
bash scripts/emulator.sh install
stage "typecheck: tsc --noEmit"
npx tsc --noEmit -p .
stage "lint + format: biome check"
npx biome check .
stage "layers: dependency-cruiser"
npx depcruise shared functions --config .dependency-cruiser.cjs
stage "unit tests"
vitest_project unit
stage "integration tests (moto)"
vitest_project integration
stage "browser tests (headless Debian chromium): the audit report"
bash scripts/ensure-chromium.sh
vitest_project browser
stage "packaging (osls package) + cfn-lint + IAM"
vitest_project packaging

# One plain closing line for whoever reads the log: totals over the vitest projects.
node -e '
  const fs = require("node:fs");
  let passed = 0, failed = 0, skipped = 0;
  for (const file of fs.readdirSync(process.argv[1])) {
    const report = JSON.parse(fs.readFileSync(`${process.argv[1]}/${file}`, "utf8"));
    passed += report.numPassedTests; failed += report.numFailedTests;
    skipped += report.numPendingTests + report.numTodoTests;
  }
  console.log(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
' "$REPORTS"
