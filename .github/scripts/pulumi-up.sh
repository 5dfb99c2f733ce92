#!/usr/bin/env bash
# `pulumi up` of one stack from the plan the AlphaStack gate saved and passed, with the policy pack enforced.
# Usage: pulumi-up.sh <stack> <gate-dir>
#   <gate-dir> is the gate's --out-dir: <stamp>.plan.json and <stamp>.gate.json (the gate record) from
#   `npm run gate -- --stack <stack> --out-dir <gate-dir>`, and stack-head (stack-head.sh when the gate ran).
#
# - `up --plan` is an [EXPERIMENTAL] flag of the pinned CLI (v3.248.0), accepted only with PULUMI_EXPERIMENTAL=true,
#   set for this one command. With a plan, Pulumi refuses any operation the gated preview did not contain.
# - STACKGUARD_PROMOTION=<gate record> lets the pack's production-requires-promotion policy check that this is the
#   plan the gate passed (same stack, same sha256, fresh enough).
# - Pulumi checks the plan step by step during the up; so a stack updated since the gate ran (stack-head differs)
#   is refused here, before anything runs.
# - Everything pulumi prints is redacted (tools/scripts/pulumi-redacted.ts).
set -euo pipefail
stack="${1:?usage: pulumi-up.sh <stack> <gate-dir>}"
dir="${2:?usage: pulumi-up.sh <stack> <gate-dir>}"
record="$({ find "$dir" -maxdepth 1 -name "*.gate.json" 2>/dev/null || true; } | sort | tail -n 1)"
if [ -z "$record" ]; then
  echo "::error::no gate record in $dir: the up runs only from a plan the AlphaStack gate passed (npm run gate -- --stack $stack --out-dir $dir)." >&2
  exit 1
fi
# shellcheck disable=SC2016 # JavaScript, not shell
plan="$(node -e '
  const r = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"));
  if (r.result !== "pass" || r.stack !== process.argv[2]) { console.error(`::error::gate record ${process.argv[1]} is ${r.result} for stack ${r.stack}: not promotable to ${process.argv[2]}`); process.exit(1); }
  console.log(require("node:path").join(require("node:path").dirname(process.argv[1]), r.planFile));
' "$record" "$stack")"
if [ ! -s "$plan" ]; then
  echo "::error::the gate record $record names the plan $plan, which is missing." >&2
  exit 1
fi
if [ -f "$dir/stack-head" ]; then
  planned_on="$(cat "$dir/stack-head")"
  now="$(.github/scripts/stack-head.sh "$stack")"
  if [ "$planned_on" != "$now" ]; then
    echo "::error::the plan was made on update $planned_on of stack '$stack', which is now at update $now: it is stale. Re-run the workflow to preview, gate and review again." >&2
    exit 1
  fi
fi
mapfile -t policy < <(node -e 'for (const a of require("./tools/scripts/lib/policy-args").policyPackArgs(process.argv[1])) console.log(a)' "$stack")
npm run --silent pulumi -- stack select "$stack" --non-interactive
# The engine's diagnostics (a plan violation above all) print resource inputs, secrets included: the output goes
# through tools/scripts/pulumi-redacted.ts (values of plan violations cut out, the stack's and the job's secret
# values replaced by [REDACTED]).
STACKGUARD_PROMOTION="$record" PULUMI_EXPERIMENTAL=true npx --no-install ts-node --transpile-only tools/scripts/pulumi-redacted.ts up --stack "$stack" --yes --non-interactive --plan "$plan" "${policy[@]}"
