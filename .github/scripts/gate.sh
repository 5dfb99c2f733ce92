#!/usr/bin/env bash
# Runs the AlphaStack gate (policies/scripts/gate.ts: its own preview with the policy pack, a saved plan and a gate
# record in <gate-dir>), keeps its report in <gate-dir>/report.txt, records the stack's update version in
# <gate-dir>/stack-head, and writes the exit code to $GITHUB_OUTPUT as `code` without failing the step.
# Usage: gate.sh <stack> <gate-dir>
set -uo pipefail
stack="${1:?usage: gate.sh <stack> <gate-dir>}"
dir="${2:?usage: gate.sh <stack> <gate-dir>}"
mkdir -p "$dir"
code=0
.github/scripts/select-stack.sh "$stack" >&2 || code=$?
if [ "$code" -eq 0 ]; then
  .github/scripts/stack-head.sh "$stack" >"$dir/stack-head" || code=$?
fi
if [ "$code" -eq 0 ]; then
  npm run --silent gate -- --stack "$stack" --out-dir "$dir" | tee "$dir/report.txt"
  code=${PIPESTATUS[0]}
fi
echo "code=$code" >>"${GITHUB_OUTPUT:-/dev/null}"
echo "AlphaStack gate of '$stack' exited $code" >&2
