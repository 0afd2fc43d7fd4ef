#!/usr/bin/env bash
# Builds the test infrastructure binaries from Go source through the Go module proxy.
# Idempotent and resumable: each binary is built only when missing from the versioned cache,
# and a lock (flock) keeps parallel callers (test workers, CI, demo) from building twice.
#
# Usage: tools/build-binaries.sh [component...]   components: k8s node nats s3 helm (default: all)
# (node: kubelet, kube-scheduler, kube-proxy, for a test environment with a real node)
# Prints the cache directory on the last line of stdout.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${LIVESYNC_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/livesync}"
bin="$cache/bin"
mkdir -p "$bin"

# Versions come from the wrapper modules' go.mod files, so bumping a require line rebuilds.
modver() { awk -v m="$2" '$1 == "require" && $2 == m { print $3 } $1 == m { print $2 }' "$here/$1/go.mod" | head -n1; }
K8S_VERSION="$(modver k8sbin k8s.io/kubernetes)"
ETCD_VERSION="$(cd "$here/k8sbin" && GOTOOLCHAIN=local GOFLAGS=-mod=mod go list -m -f '{{.Version}}' go.etcd.io/etcd/server/v3)"
NATS_VERSION="$(modver natsbin github.com/nats-io/nats-server/v2)"
S3_VERSION="$(modver s3bin github.com/versity/versitygw)"
HELM_VERSION="$(modver helmbin helm.sh/helm/v3)"

export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod

build() { # <module dir> <output name> <package> [ldflags]
  local dir="$1" out="$2" pkg="$3" ldflags="${4:-}"
  [ -x "$bin/$out" ] && return 0
  echo "building $out from $pkg (first time only; cached in $bin)" >&2
  local start=$SECONDS
  (cd "$here/$dir" && go build -trimpath -ldflags "-s -w $ldflags" -o "$bin/$out.tmp" "$pkg")
  mv "$bin/$out.tmp" "$bin/$out"
  echo "built $out in $((SECONDS - start))s" >&2
}

components=("$@")
[ $# -eq 0 ] && components=(k8s node nats s3 helm)
want() { local c; for c in "${components[@]}"; do [ "$c" = "$1" ] && return 0; done; return 1; }

exec 9>"$bin/.build.lock"
flock 9

kv="-X k8s.io/component-base/version.gitVersion=$K8S_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$(echo "$K8S_VERSION" | cut -d. -f2)"
if want k8s; then
  build k8sbin "etcd-$ETCD_VERSION" go.etcd.io/etcd/server/v3
  build k8sbin "kube-apiserver-$K8S_VERSION" k8s.io/kubernetes/cmd/kube-apiserver "$kv"
  build k8sbin "kube-controller-manager-$K8S_VERSION" k8s.io/kubernetes/cmd/kube-controller-manager "$kv"
fi
if want node; then
  build k8sbin "kubelet-$K8S_VERSION" k8s.io/kubernetes/cmd/kubelet "$kv"
  build k8sbin "kube-scheduler-$K8S_VERSION" k8s.io/kubernetes/cmd/kube-scheduler "$kv"
  build k8sbin "kube-proxy-$K8S_VERSION" k8s.io/kubernetes/cmd/kube-proxy "$kv"
fi
if want nats; then
  build natsbin "nats-server-$NATS_VERSION" github.com/nats-io/nats-server/v2
fi
if want s3; then
  build s3bin "versitygw-$S3_VERSION" github.com/versity/versitygw/cmd/versitygw
fi
if want helm; then
  # What helm's Makefile stamps: its version, and the Kubernetes version (from client-go) that
  # `helm template` and `helm lint` assume; unstamped they say v3.x-unreleased and Kubernetes 1.20.
  kmin="$(modver helmbin k8s.io/client-go | cut -d. -f2)"
  hv="-X helm.sh/helm/v3/internal/version.version=$HELM_VERSION -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
  for p in pkg/chartutil pkg/lint/rules; do
    hv="$hv -X helm.sh/helm/v3/$p.k8sVersionMajor=1 -X helm.sh/helm/v3/$p.k8sVersionMinor=$kmin"
  done
  build helmbin "helm-$HELM_VERSION" helm.sh/helm/v3/cmd/helm "$hv"
fi

# A manifest the testkit reads to find the binaries without knowing the versions.
cat > "$bin/manifest.json.tmp" <<JSON
{
  "etcd": "$bin/etcd-$ETCD_VERSION",
  "kubeApiserver": "$bin/kube-apiserver-$K8S_VERSION",
  "kubeControllerManager": "$bin/kube-controller-manager-$K8S_VERSION",
  "kubelet": "$bin/kubelet-$K8S_VERSION",
  "kubeScheduler": "$bin/kube-scheduler-$K8S_VERSION",
  "kubeProxy": "$bin/kube-proxy-$K8S_VERSION",
  "natsServer": "$bin/nats-server-$NATS_VERSION",
  "s3Server": "$bin/versitygw-$S3_VERSION",
  "helm": "$bin/helm-$HELM_VERSION",
  "versions": {"kubernetes": "$K8S_VERSION", "etcd": "$ETCD_VERSION", "nats": "$NATS_VERSION", "versitygw": "$S3_VERSION", "helm": "$HELM_VERSION"}
}
JSON
mv "$bin/manifest.json.tmp" "$bin/manifest.json"
echo "$bin"
