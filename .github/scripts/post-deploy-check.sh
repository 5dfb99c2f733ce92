#!/usr/bin/env bash
# Checks after an up: the stack converged (a refreshed preview proposes no change, so neither the program nor
# Render drifted from what was just applied) and its outputs are readable. The blue/green health analysis itself
# runs inside the up (pre- and post-switch, with automatic switch-back), so a failed analysis has already failed it.
# Usage: post-deploy-check.sh <stack> <out-dir>
set -euo pipefail
stack="${1:?usage: post-deploy-check.sh <stack> <out-dir>}"
out="${2:?usage: post-deploy-check.sh <stack> <out-dir>}"
mkdir -p "$out"
mapfile -t policy < <(node -e 'for (const a of require("./tools/scripts/lib/policy-args").policyPackArgs(process.argv[1])) console.log(a)' "$stack")
# Redacted (tools/scripts/pulumi-redacted.ts): a drift's diagnostics can print resource inputs, secrets included.
# --diff: a drift shows which properties differ (secret values print as [secret]).
npx --no-install ts-node --transpile-only tools/scripts/pulumi-redacted.ts preview --stack "$stack" --non-interactive --refresh --expect-no-changes --diff "${policy[@]}"
npm run --silent pulumi -- stack output --stack "$stack" --json >"$out/outputs-$stack.json"
# shellcheck disable=SC2016 # JavaScript, not shell: the template literals are meant for node
node -e '
  const o = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"));
  if (o.environment !== process.argv[2]) { console.error(`::error::stack output environment is ${JSON.stringify(o.environment)}, expected ${process.argv[2]}`); process.exit(1); }
  console.log(`post-deploy checks of ${process.argv[2]} passed: converged, ${Object.keys(o).length} outputs`);
' "$out/outputs-$stack.json" "$stack"
