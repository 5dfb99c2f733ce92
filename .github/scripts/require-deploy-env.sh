#!/usr/bin/env bash
# Fails the job, before anything is changed, when a secret or setting the deploy needs is missing, naming it and
# where to set it. Usage: require-deploy-env.sh <github-environment> [--no-render-key | --read-only-render-key]
#
# --no-render-key: for jobs that must hold no Render key (plans, rollbacks through the edge): RENDER_API_KEY must NOT
# be set, and the backend's credentials are checked as usual.
# --read-only-render-key: for pull-request previews: RENDER_API_KEY (a key that can write) must NOT be set, and
# RENDER_READONLY_API_KEY (the key of a Render user with the Viewer role) must be.
#
# Needs: RENDER_API_URL and RENDER_API_KEY (Render); PULUMI_BACKEND_URL and, for Pulumi Cloud
# (https://api.pulumi.com), PULUMI_ACCESS_TOKEN, or for a self-managed backend (s3://, gs://, azblob://),
# PULUMI_CONFIG_PASSPHRASE. Values are never printed.
set -euo pipefail
environment="${1:?usage: require-deploy-env.sh <github-environment> [--no-render-key | --read-only-render-key]}"
render_key=required
if [ "${2:-}" = "--no-render-key" ]; then render_key=forbidden; elif [ "${2:-}" = "--read-only-render-key" ]; then render_key=read-only; elif [ -n "${2:-}" ]; then
  echo "usage: require-deploy-env.sh <github-environment> [--no-render-key | --read-only-render-key]" >&2
  exit 2
fi
missing=0

fail() {
  # ::error:: makes the message the job's headline in the Actions UI; it names the secret, never its value.
  echo "::error title=Missing secret::$1"
  missing=1
}

where="a secret of the GitHub environment '${environment}' (Settings → Environments → ${environment} → Environment secrets; see docs/pipeline.md)"

[ -n "${RENDER_API_URL:-}" ] || fail "RENDER_API_URL is empty: set the repository variable RENDER_API_URL (https://api.render.com/v1) or leave it unset for the default."
if [ "$render_key" = "required" ]; then
  [ -n "${RENDER_API_KEY:-}" ] || fail "RENDER_API_KEY is not set: add it as ${where}."
elif [ -n "${RENDER_API_KEY:-}" ]; then
  fail "RENDER_API_KEY is set, but this job must hold no Render key that can write (its code may be unreviewed, or it needs none): remove it from this job's env and keep it out of the GitHub environment '${environment}' (docs/pipeline.md)."
fi
if [ "$render_key" = "read-only" ]; then
  [ -n "${RENDER_READONLY_API_KEY:-}" ] || fail "RENDER_READONLY_API_KEY is not set: add the API key of a Render user with the Viewer role (it can read, never change) as ${where}."
fi

backend="${PULUMI_BACKEND_URL:-}"
case "$backend" in
  "")
    fail "PULUMI_BACKEND_URL is empty: set it as ${where}, or leave it unset to use Pulumi Cloud." ;;
  https://api.pulumi.com* | https://app.pulumi.com*)
    [ -n "${PULUMI_ACCESS_TOKEN:-}" ] || fail "PULUMI_ACCESS_TOKEN is not set (the backend is Pulumi Cloud): add it as ${where}, or set PULUMI_BACKEND_URL to a self-managed backend." ;;
  file://*)
    # A file backend on a CI runner is thrown away with the runner: an `up` against it would recreate everything.
    if [ "${GITHUB_ACTIONS:-}" = "true" ]; then
      fail "PULUMI_BACKEND_URL is a file:// backend, which does not outlive a CI runner: use Pulumi Cloud or an s3://, gs:// or azblob:// backend."
    fi
    [ -n "${PULUMI_CONFIG_PASSPHRASE:-}${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ] || fail "PULUMI_CONFIG_PASSPHRASE is not set (self-managed backend file://): add it as ${where}." ;;
  *)
    [ -n "${PULUMI_CONFIG_PASSPHRASE:-}${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ] || fail "PULUMI_CONFIG_PASSPHRASE is not set (self-managed backend ${backend%%://*}://): add it as ${where}." ;;
esac

if [ "$missing" -ne 0 ]; then
  echo "Stopped before any change: the secrets above are missing." >&2
  exit 1
fi
if [ "$render_key" = "required" ]; then
  echo "deploy environment '${environment}': Render API, Pulumi backend and its credentials are set."
elif [ "$render_key" = "read-only" ]; then
  echo "environment '${environment}': Pulumi backend and its credentials and a read-only Render key are set; no key that can write, as required."
else
  echo "environment '${environment}': Pulumi backend and its credentials are set; no Render key, as required."
fi
