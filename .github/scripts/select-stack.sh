#!/usr/bin/env bash
# Selects a stack in the configured backend. A staging stack that does not exist yet is created (a new stack's first
# preview shows everything it would create); a production stack never is: an empty production stack in the wrong
# backend would plan to create everything, so it must be created once by hand (docs/pipeline.md).
# Usage: select-stack.sh <stack>
set -euo pipefail
stack="${1:?usage: select-stack.sh <stack>}"
if grep -Eq '^[[:space:]]*stackguard:environment:[[:space:]]*"?staging"?[[:space:]]*$' "Pulumi.$stack.yaml"; then
  npm run --silent pulumi -- stack select "$stack" --create --non-interactive
elif ! npm run --silent pulumi -- stack select "$stack" --non-interactive; then
  echo "::error::stack '$stack' does not exist in the backend (${PULUMI_BACKEND_URL:-default}): production stacks are created once by hand, see docs/pipeline.md; check PULUMI_BACKEND_URL." >&2
  exit 1
fi
