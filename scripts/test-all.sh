#!/usr/bin/env bash
# The full test suite (`npm test`): types, lint, layers, unused code (knip), unit, integration
# against moto, the audit report in headless chromium, packaging + cfn-lint + IAM. Stops at the
# first failing stage and says which; ends with one total line.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

REPORTS="$(mktemp -d)"
trap 'rm -rf "$REPORTS"' EXIT
# A log for people and CI files: no colour codes from any tool.
export NO_COLOR=1 FORCE_COLOR=0
stage() { printf '\n=== %s ===\n' "$1"; }
# vitest's `minimal` reporter: the counts, and failing tests in full with their console output;
# nothing from passing ones. The totals reporter records the counts for the last line, silently.
vitest_project() {
  CLONEWARDEN_TEST_TOTALS="$REPORTS/$1.json" npx vitest run --project "$1" \
    --reporter=minimal --reporter=./test/support/totals-reporter.ts
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
stage "unused files, exports and dependencies: knip"
npx knip --no-progress
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
    const totals = JSON.parse(fs.readFileSync(`${process.argv[1]}/${file}`, "utf8"));
    passed += totals.passed; failed += totals.failed; skipped += totals.skipped;
  }
  console.log(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
' "$REPORTS"
