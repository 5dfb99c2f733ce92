#!/usr/bin/env bash
# Runs `pulumi preview --json` of one stack with the policy pack (the same --policy-pack arguments as `npm start`,
# from tools/scripts/lib/policy-args.js) and writes the exit code to $GITHUB_OUTPUT as `code`, without failing the
# step: the summary and the PR comment are written even when the preview fails, and a later step fails the job.
#
# The preview streams its engine events (PULUMI_ENABLE_STREAMING_JSON_PREVIEW) to <out-dir>/events-<stack>.jsonl,
# turned by preview-digest.js into <out-dir>/preview-<stack>.json: the document plain `preview --json` prints, plus
# the policy violations it leaves out. One preview feeds the gate, the summary and the PR comment.
# Usage: pulumi-preview.sh <stack> <out-dir> [extra pulumi preview args…]
set -uo pipefail
stack="${1:?usage: pulumi-preview.sh <stack> <out-dir> [args…]}"
out="${2:?usage: pulumi-preview.sh <stack> <out-dir> [args…]}"
shift 2
mkdir -p "$out"

mapfile -t policy < <(node -e 'for (const a of require("./tools/scripts/lib/policy-args").policyPackArgs(process.argv[1])) console.log(a)' "$stack")

.github/scripts/select-stack.sh "$stack" >&2 || {
  code=$?
  echo "code=$code" >>"${GITHUB_OUTPUT:-/dev/null}"
  echo "::error::could not select stack '$stack' (exit $code): see the messages above." >&2
  exit 0
}
# Redacted (tools/scripts/pulumi-redacted.ts): engine diagnostics can carry resource inputs, secrets included.
PULUMI_ENABLE_STREAMING_JSON_PREVIEW=true npx --no-install ts-node --transpile-only tools/scripts/pulumi-redacted.ts preview --stack "$stack" --non-interactive --json "${policy[@]}" "$@" >"$out/events-$stack.jsonl"
code=$?
if ! node .github/scripts/preview-digest.js "$out/events-$stack.jsonl" >"$out/preview-$stack.json"; then
  [ "$code" -ne 0 ] || code=1
fi
echo "code=$code" >>"${GITHUB_OUTPUT:-/dev/null}"
echo "pulumi preview of '$stack' exited $code; JSON in $out/preview-$stack.json" >&2
