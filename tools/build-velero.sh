#!/usr/bin/env bash
# Builds Velero and its AWS object-store plugin from the Go module proxy, for the backup and
# restore benchmarks (Velero is the peer they compare with). Nothing of Velero's enters the repo:
# the source is copied from the module cache into the livesync cache directory and built there.
# Idempotent and resumable (each binary is built only when missing; Go's build cache keeps the
# packages an interrupted build finished), and a lock keeps parallel callers from building twice.
#
# Usage: tools/build-velero.sh   Prints a JSON manifest's path on the last line of stdout.
set -euo pipefail

VELERO_VERSION=v1.18.3
PLUGIN_VERSION=v1.14.3
# Velero v1.18.3 requires k8s.io/cli-runtime v0.33.12, which the module proxy here refuses.
CLI_RUNTIME_VERSION=v0.33.13

cache="${LIVESYNC_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/livesync}"
dir="$cache/velero"
velero="$dir/velero-$VELERO_VERSION"
plugins="$dir/plugins-aws-$PLUGIN_VERSION"
mkdir -p "$dir"

export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod

exec 9>"$dir/.build.lock"
flock 9

if [ ! -x "$velero" ]; then
  echo "building velero $VELERO_VERSION (first time only; cached in $dir)" >&2
  start=$SECONDS
  # `go install` refuses a module whose go.mod has a replace directive, so build a copy of it.
  src="$(go mod download -json "github.com/vmware-tanzu/velero@$VELERO_VERSION" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  work="$dir/src-$VELERO_VERSION"
  if [ ! -f "$work/.prepared" ]; then
    rm -rf "$work"
    cp -r "$src" "$work"
    chmod -R u+w "$work"
    (cd "$work" && go mod edit -require="k8s.io/cli-runtime@$CLI_RUNTIME_VERSION" && go mod tidy)
    touch "$work/.prepared"
  fi
  (cd "$work" && go build -trimpath \
    -ldflags "-s -w -X github.com/vmware-tanzu/velero/pkg/buildinfo.Version=$VELERO_VERSION" \
    -o "$velero.tmp" ./cmd/velero)
  mv "$velero.tmp" "$velero"
  echo "built velero in $((SECONDS - start))s" >&2
fi

if [ ! -x "$plugins/velero-plugin-for-aws" ]; then
  echo "building velero-plugin-for-aws $PLUGIN_VERSION (first time only)" >&2
  start=$SECONDS
  # Velero runs every executable in its plugin directory, so the plugin gets a directory of its own.
  GOBIN="$dir/gobin.tmp" go install -trimpath -ldflags "-s -w" \
    "github.com/vmware-tanzu/velero-plugin-for-aws/velero-plugin-for-aws@$PLUGIN_VERSION"
  mkdir -p "$plugins"
  mv "$dir/gobin.tmp/velero-plugin-for-aws" "$plugins/velero-plugin-for-aws"
  rm -rf "$dir/gobin.tmp"
  echo "built velero-plugin-for-aws in $((SECONDS - start))s" >&2
fi

cat >"$dir/manifest.json.tmp" <<JSON
{
  "velero": "$velero",
  "pluginDir": "$plugins",
  "versions": {"velero": "$VELERO_VERSION", "veleroPluginForAws": "$PLUGIN_VERSION"}
}
JSON
mv "$dir/manifest.json.tmp" "$dir/manifest.json"
echo "$dir/manifest.json"
