#!/usr/bin/env bash
# Writes the deploy report of the stack's update that started at or after <since> (the time the up step began), with
# the per-resource changes of the gated plan when the gate directory holds one, to <out-dir>/deploy-report-<stack>.html.
# Runs after a failed up too: the report then shows the promotion that stopped (or that the up never started).
# Sets the step output `file` (for the upload) and adds a line to the job summary.
# Usage: deploy-report.sh <stack> <since> <out-dir>
set -euo pipefail
stack="${1:?usage: deploy-report.sh <stack> <since> <out-dir>}"
since="${2:?usage: deploy-report.sh <stack> <since> <out-dir>}"
out="${3:?usage: deploy-report.sh <stack> <since> <out-dir>}"
mkdir -p "$out"
file="$out/deploy-report-$stack.html"
changes=()
if compgen -G "$out/gate-$stack/*.plan.json" >/dev/null; then changes=(--changes "$out/gate-$stack"); fi
npm run --silent report:deploy -- --stack "$stack" --since "$since" --out "$file" "${changes[@]}"
echo "file=$file" >>"${GITHUB_OUTPUT:-/dev/null}"
echo "Deploy report of $stack: artifact \`deploy-report-$stack-${GITHUB_RUN_ID:-local}\` ($(basename "$file"))" >>"${GITHUB_STEP_SUMMARY:-/dev/null}"
