#!/usr/bin/env bash
# `pulumi up` of one stack constrained to a saved plan, with the policy pack enforced.
# Usage: pulumi-up.sh <stack> <plan.json>
#
# `up --plan` is an [EXPERIMENTAL] flag of the pinned CLI (v3.248.0): it is only accepted with
# PULUMI_EXPERIMENTAL=true, which is set for this one command. With a plan, Pulumi refuses any operation the reviewed
# preview did not contain (a replace instead of an update, an update instead of a same), so what runs is what was
# gated and approved. Pulumi checks that step by step, during the up; so when the plan was saved with the stack's
# update version (<plan>.base, from stack-head.sh), a stack updated since then is refused here, before anything runs.
set -euo pipefail
stack="${1:?usage: pulumi-up.sh <stack> <plan.json>}"
plan="${2:?usage: pulumi-up.sh <stack> <plan.json>}"
if [ ! -s "$plan" ]; then
  echo "::error::no saved plan at $plan: the up runs only from the plan that was previewed and gated." >&2
  exit 1
fi
base="${plan%.json}.base"
if [ -f "$base" ]; then
  planned_on="$(cat "$base")"
  now="$(.github/scripts/stack-head.sh "$stack")"
  if [ "$planned_on" != "$now" ]; then
    echo "::error::the plan was made on update $planned_on of stack '$stack', which is now at update $now: it is stale. Re-run the workflow to preview, gate and review again." >&2
    exit 1
  fi
fi
mapfile -t policy < <(node -e 'for (const a of require("./tools/scripts/lib/policy-args").policyPackArgs(process.argv[1])) console.log(a)' "$stack")
npm run --silent pulumi -- stack select "$stack" --non-interactive
PULUMI_EXPERIMENTAL=true npm run --silent pulumi -- up --stack "$stack" --yes --non-interactive --plan "$plan" "${policy[@]}"
