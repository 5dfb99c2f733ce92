#!/usr/bin/env bash
# The official Pulumi toolchain for STACKGUARD_TOOLCHAIN=official (the default on GitHub-hosted runners): the Pulumi
# CLI (with its official language host and `pulumi-resource-pulumi-nodejs`) and the official `random` and `command`
# provider plugins, at the versions the offline build pins, from Pulumi's GitHub releases. It follows the
# pulumi/setup-pulumi convention: the release tarball into $PULUMI_HOME/bin (default ~/.pulumi/bin), that directory
# first on PATH for the later steps ($GITHUB_PATH), plugins through `pulumi plugin install` (official releases).
#
# - The tarball is checked against the release's own checksums file before it is unpacked.
# - Idempotent: a CLI of the right version already there (restored by actions/cache) is kept, and `pulumi plugin
#   install` skips a plugin already installed.
# - Offline machines (air-gapped or self-hosted runners, the local harness) use STACKGUARD_TOOLCHAIN=offline instead:
#   `npm run toolchain` builds the same versions from the Go module proxy (tools/scripts/toolchain.js).
# Usage: install-official-pulumi.sh
set -euo pipefail

# The pins, kept equal to the offline build's by test/unit/workflows/toolchain-switch.test.ts:
PULUMI_VERSION=3.248.0                       # tools/pulumi-cli/go.mod: github.com/pulumi/pulumi/pkg/v3 v3.248.0
PLUGINS=("random 4.21.1" "command 1.2.1")    # tools/scripts/toolchain.js: PROVIDERS

home="${PULUMI_HOME:-$HOME/.pulumi}"
bin="$home/bin"
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) arch=linux-x64 ;;
  Linux-aarch64 | Linux-arm64) arch=linux-arm64 ;;
  Darwin-x86_64) arch=darwin-x64 ;;
  Darwin-arm64) arch=darwin-arm64 ;;
  *)
    echo "::error::no official Pulumi release for $(uname -s)-$(uname -m): set the repository variable STACKGUARD_TOOLCHAIN=offline to build it from source (docs/pipeline.md)." >&2
    exit 1 ;;
esac

if [ "$("$bin/pulumi" version 2>/dev/null || true)" = "v$PULUMI_VERSION" ]; then
  echo "pulumi v$PULUMI_VERSION already in $bin (cache)"
else
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  base="${STACKGUARD_PULUMI_RELEASES:-https://github.com/pulumi/pulumi/releases/download}/v$PULUMI_VERSION"
  tarball="pulumi-v$PULUMI_VERSION-$arch.tar.gz"
  curl -fsSL --retry 3 --connect-timeout 20 --max-time 600 -o "$tmp/$tarball" "$base/$tarball"
  curl -fsSL --retry 3 --connect-timeout 20 --max-time 60 -o "$tmp/checksums.txt" "$base/pulumi-$PULUMI_VERSION-checksums.txt"
  if ! grep -E "^[0-9a-f]{64}  $tarball\$" "$tmp/checksums.txt" >"$tmp/expected" || ! (cd "$tmp" && sha256sum -c --quiet expected); then
    echo "::error::$tarball does not match the sha256 in pulumi-$PULUMI_VERSION-checksums.txt of the release: not installed." >&2
    exit 1
  fi
  tar -xzf "$tmp/$tarball" -C "$tmp"
  mkdir -p "$bin"
  cp -f "$tmp"/pulumi/* "$bin/"
  echo "pulumi v$PULUMI_VERSION installed in $bin"
fi
export PATH="$bin:$PATH"
test "$(pulumi version)" = "v$PULUMI_VERSION" || { echo "::error::$bin/pulumi is $(pulumi version), expected v$PULUMI_VERSION" >&2; exit 1; }
for plugin in "${PLUGINS[@]}"; do
  read -r name version <<<"$plugin"
  PULUMI_HOME="$home" pulumi plugin install resource "$name" "$version" --non-interactive
done
echo "$bin" >>"${GITHUB_PATH:-/dev/null}"
