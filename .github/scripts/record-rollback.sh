#!/usr/bin/env bash
# Records a rollback in the stack's history: a refresh of the stack's traffic switches only (the edge's active slots
# read into the state). The stack's update version moves on, so a promotion whose plan was made before the rollback
# (queued behind a reviewer, say) is refused as stale by pulumi-up.sh before it runs, instead of silently switching
# traffic back to the version that was just rolled back.
#
# The rollback itself has already happened (one edge switch, which never waits). Only this record may wait: while
# another update holds the stack (a running promotion), the refresh is retried, every 20 s for up to 15 min.
# Usage: record-rollback.sh <stack>
set -euo pipefail
stack="${1:?usage: record-rollback.sh <stack>}"
# shellcheck disable=SC2016 # JavaScript, not shell: the template literal is meant for node
mapfile -t targets < <(
  npm run --silent pulumi -- stack export --stack "$stack" |
    node -e '
      let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
        const resources = (JSON.parse(s).deployment || {}).resources || [];
        for (const r of resources) if (r.type === "pulumi-nodejs:dynamic/stackguard:TrafficSwitch") console.log(`--target=${r.urn}`);
      });'
)
if [ "${#targets[@]}" -eq 0 ]; then
  echo "stack '$stack' has no traffic switch: nothing to record." >&2
  exit 0
fi
deadline=$((SECONDS + 900))
while :; do
  log="$(mktemp)"
  # Through the redacting runner (tools/scripts/pulumi-redacted.ts): a refresh's diagnostics can print inputs.
  if npx --no-install ts-node --transpile-only tools/scripts/pulumi-redacted.ts refresh --stack "$stack" --yes --non-interactive --skip-preview "${targets[@]}" 2>&1 | tee "$log"; then
    rm -f "$log"
    echo "rollback recorded in stack '$stack' (update $(.github/scripts/stack-head.sh "$stack")): plans made before it are stale."
    exit 0
  fi
  if ! grep -Eqi 'another update is currently in progress|409|locked by' "$log" || [ "$SECONDS" -ge "$deadline" ]; then
    rm -f "$log"
    echo "::error::the rollback of '$stack' happened, but recording it in the stack failed (see above): a promotion planned before it is not refused as stale. Re-run this step, or cancel any pending promotion." >&2
    exit 1
  fi
  rm -f "$log"
  echo "another update holds stack '$stack': retrying the record in 20 s" >&2
  sleep 20
done
