#!/usr/bin/env bash
# Builds the deployable artefacts offline: `osls package` → .serverless/
# (CloudFormation templates and one zip per function), and the member template for an
# organization → .serverless/member/. Never prompts, never calls AWS.
#
#   scripts/package.sh                              stage dev, region us-east-1
#   STAGE=prod REGION=eu-west-1 scripts/package.sh
#   scripts/package.sh --param="dryRun=true"        extra arguments go to `osls package`
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

STAGE="${STAGE:-dev}"
REGION="${REGION:-us-east-1}"
OUT=".serverless"

# `package` makes no AWS call, but the provider still looks for credentials; placeholders keep
# it from walking the whole chain (and from waiting on the instance metadata service).
# Real credentials, or a profile, are left alone.
if [[ -z "${AWS_ACCESS_KEY_ID:-}" && -z "${AWS_PROFILE:-}" && -z "${AWS_WEB_IDENTITY_TOKEN_FILE:-}" \
  && -z "${AWS_CONTAINER_CREDENTIALS_FULL_URI:-}" && -z "${AWS_CONTAINER_CREDENTIALS_RELATIVE_URI:-}" ]]; then
  export AWS_ACCESS_KEY_ID=placeholder
  export AWS_SECRET_ACCESS_KEY=placeholder
  export AWS_SESSION_TOKEN=placeholder
  export AWS_EC2_METADATA_DISABLED=true
fi
export AWS_REGION="${AWS_REGION:-$REGION}"
export SLS_TELEMETRY_DISABLED=1
export SLS_NOTIFICATIONS_MODE=off
export CI=true

[[ -f functions/enforce.ts ]] || { echo "package: functions/enforce.ts is missing" >&2; exit 1; }
[[ -f clonewarden.yml ]] || { echo "package: clonewarden.yml (the packaged policy) is missing" >&2; exit 1; }

rm -rf "$OUT"
started=$SECONDS
# </dev/null: osls must never wait for an answer.
npx --no-install osls package --stage "$STAGE" --region "$REGION" --package "$OUT" "$@" </dev/null
echo "package: done in $((SECONDS - started)) s (stage $STAGE, region $REGION)"

# The member template (organization mode) is plain CloudFormation: shipped as written, next to the
# hub's, for the StackSet (docs/deploy.md).
mkdir -p "$OUT/member"
cp member/clonewarden-member.yml "$OUT/member/clonewarden-member.yml"
echo "package: $OUT/member/clonewarden-member.yml (the member StackSet's template)"

shopt -s nullglob
zips=("$OUT"/*.zip)
if ((${#zips[@]} == 0)); then
  echo "package: no zip in $OUT" >&2
  exit 1
fi
for zip in "${zips[@]}"; do
  printf 'package: %-32s %8d bytes (%s)\n' "$zip" "$(wc -c <"$zip")" "$(du -h "$zip" | cut -f1)"
done
