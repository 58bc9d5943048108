#!/usr/bin/env bash
# The full test suite (`npm test`): types, lint, unit, integration against moto, packaging +
# cfn-lint. Stops at the first failing stage and says which.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

stage() { printf '\n=== %s ===\n' "$1"; }

stage "node $(node --version) (Lambda runtime: nodejs22.x)"
stage "local AWS emulator toolchain (moto, cfn-lint)"
bash scripts/emulator.sh install
stage "typecheck: tsc --noEmit"
npx tsc --noEmit -p .
stage "lint + format: biome check"
npx biome check .
stage "unit tests"
npx vitest run --project unit
stage "integration tests (moto)"
npx vitest run --project integration
stage "packaging (osls package) + cfn-lint + IAM"
npx vitest run --project packaging
