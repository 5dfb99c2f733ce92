#!/usr/bin/env bash
# Prints the version of a stack's latest update (0 when it has none), from `pulumi stack history --json`. Self-managed
# (DIY) backends number no updates (every version is 0): there the latest update's start time stands in.
# A saved plan records it (<plan>.base); pulumi-up.sh compares it before the up, so that a plan made stale by a
# deployment that ran after it is refused before anything changes.
# Usage: stack-head.sh <stack>
set -euo pipefail
stack="${1:?usage: stack-head.sh <stack>}"
# shellcheck disable=SC2016 # JavaScript, not shell
npm run --silent pulumi -- stack history --stack "$stack" --json --page-size 1 --non-interactive |
  node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => { const h = JSON.parse(s.trim() || "[]"); process.stdout.write(`${(h[0] && (h[0].version || h[0].startTime)) || 0}\n`); })'
