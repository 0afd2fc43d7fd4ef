#!/usr/bin/env bash
# Entry point behind `npm test` / `pnpm test`, `npm run demo` and `npm run testenv`: makes sure
# what they need is installed (pnpm, node_modules, apt packages, the Go-built binaries), then runs.
# Everything is idempotent and cached, so only the first run on a machine is slow.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PNPM_VERSION="$(node -p 'require("./package.json").packageManager.split("@")[1]')"
APT_PACKAGES=(prometheus openssl)

log() { printf '\033[1m[livesync]\033[0m %s\n' "$*" >&2; }

ensure_apt() {
  local missing=()
  command -v prometheus >/dev/null || missing+=(prometheus)
  command -v openssl >/dev/null || missing+=(openssl)
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  log "installing Debian packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Debian's package may start a system Prometheus on :9090; the testenv runs its own.
  if command -v systemctl >/dev/null && systemctl is-active --quiet prometheus 2>/dev/null; then
    $sudo systemctl disable --now prometheus >/dev/null 2>&1 || true
  fi
}

ensure_pnpm() {
  if command -v pnpm >/dev/null && [ "$(pnpm --version)" = "$PNPM_VERSION" ]; then return 0; fi
  log "installing pnpm $PNPM_VERSION"
  npm install -g --silent "pnpm@$PNPM_VERSION" >/dev/null 2>&1 ||
    npm install -g --silent --prefix "$HOME/.local" "pnpm@$PNPM_VERSION" >/dev/null
  export PATH="$HOME/.local/bin:$PATH"
}

ensure_node_modules() {
  # Reinstall only when the lockfile changed since the last install.
  if [ ! -f node_modules/.pnpm/lock.yaml ] || ! cmp -s pnpm-lock.yaml node_modules/.livesync-lock; then
    log "installing node modules"
    pnpm install --frozen-lockfile --reporter=silent
    cp pnpm-lock.yaml node_modules/.livesync-lock
  fi
}

ensure_binaries() {
  command -v go >/dev/null || { log "Go is required to build the test binaries (https://go.dev/dl)"; exit 1; }
  bash tools/build-binaries.sh >/dev/null
}

ensure_all() {
  ensure_apt
  ensure_pnpm
  ensure_node_modules
  ensure_binaries
}

cmd="${1:-}"
shift || true
case "$cmd" in
  test)
    ensure_all
    pnpm run -s build
    pnpm run -s lint
    report="$(mktemp -d)/vitest.json"
    status=0
    pnpm exec vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@" || status=$?
    # One plain closing line, the same whatever the runner prints above it.
    [ -f "$report" ] && node -e '
      const r = require(process.argv[1]);
      console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
    ' "$report"
    exit "$status"
    ;;
  demo)
    ensure_all
    pnpm exec tsx scripts/demo.ts "$@"
    ;;
  testenv)
    ensure_all
    pnpm exec tsx packages/testkit/src/cli.ts "$@"
    ;;
  *)
    echo "usage: scripts/dev.sh <test|demo|testenv> [args...]" >&2
    exit 2
    ;;
esac
