#!/usr/bin/env bash
# Build the local control plane binaries into tools/kube/bin/ from the Go
# modules pinned in tools/kube/go.mod:
#   kube-apiserver kube-controller-manager kube-scheduler kubectl  (k8s.io/kubernetes)
#   kubelet kube-proxy   the real node's agents (same module; cluster.sh --real-node)
#   etcd                                                            (go.etcd.io/etcd/server/v3)
#   kwok kwokctl                                                    (sigs.k8s.io/kwok)
#   kwok-default-stages   prints kwok's default Stages (cmd/kwok-default-stages)
#   cluster-dns           the real node's cluster DNS: Service names from the API (cmd/cluster-dns)
#
# Idempotent and cached: a binary is rebuilt only when its stamp file
# (bin/.stamp-<name>) does not match the current build key (go.mod, go.sum,
# Go version, flags). Go's build cache and module cache are the defaults
# (go env GOCACHE / GOMODCACHE) unless the caller sets them.
#
# Usage: tools/kube/build.sh [--force] [name...]
# Env:   KUBE_BUILD_PARALLEL  packages compiled at once (go build -p), default 2
#        KUBE_BUILD_NICE      nice level for the compiler, default 10
# All output goes to stderr.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin="${here}/bin"
mkdir -p "${bin}"
exec 1>&2

force=0
names=()
for arg in "$@"; do
  case "${arg}" in
    --force) force=1 ;;
    -h|--help) awk 'NR>1 && /^#/ {sub(/^# ?/, ""); print; next} NR>1 {exit}' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) names+=("${arg}") ;;
  esac
done

if ! command -v go >/dev/null 2>&1; then
  echo "build.sh: go is not on PATH (need Go >= $(awk '/^go /{print $2}' "${here}/go.mod"))" >&2
  exit 1
fi

# Versions come from go.mod so that there is one source of truth.
modver() { awk -v m="$1" '$1==m && $2 ~ /^v/ {print $2; exit}' "${here}/go.mod"; }
kube_version="$(modver k8s.io/kubernetes)"     # e.g. v1.36.3
etcd_version="$(modver go.etcd.io/etcd/server/v3)"
kwok_version="$(modver sigs.k8s.io/kwok)"
if [[ -z "${kube_version}" || -z "${etcd_version}" || -z "${kwok_version}" ]]; then
  echo "build.sh: could not read versions from go.mod" >&2
  exit 1
fi
kube_minor="$(echo "${kube_version}" | cut -d. -f2)"

declare -A pkg=(
  [kube-apiserver]=k8s.io/kubernetes/cmd/kube-apiserver
  [kube-controller-manager]=k8s.io/kubernetes/cmd/kube-controller-manager
  [kube-scheduler]=k8s.io/kubernetes/cmd/kube-scheduler
  [kubectl]=k8s.io/kubernetes/cmd/kubectl
  [kubelet]=k8s.io/kubernetes/cmd/kubelet
  [kube-proxy]=k8s.io/kubernetes/cmd/kube-proxy
  [etcd]=go.etcd.io/etcd/server/v3
  [kwok]=sigs.k8s.io/kwok/cmd/kwok
  [kwokctl]=sigs.k8s.io/kwok/cmd/kwokctl
  [kwok-default-stages]=./cmd/kwok-default-stages
  [cluster-dns]=./cmd/cluster-dns
)
# The node agents go last: most of their packages are compiled by then.
order=(etcd kwok kwokctl kwok-default-stages kubectl kube-scheduler kube-controller-manager kube-apiserver
  kube-proxy kubelet cluster-dns)
if [[ ${#names[@]} -eq 0 ]]; then names=("${order[@]}"); fi

kube_ldflags=""
for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  kube_ldflags+=" -X ${p}.gitVersion=${kube_version}"
  kube_ldflags+=" -X ${p}.gitMajor=1 -X ${p}.gitMinor=${kube_minor}"
  kube_ldflags+=" -X ${p}.gitTreeState=clean"
done
# kwokctl defaults its Kubernetes version to this; make it match the binaries.
kwok_ldflags=" -X sigs.k8s.io/kwok/pkg/consts.Version=${kwok_version#v}"
kwok_ldflags+=" -X sigs.k8s.io/kwok/pkg/consts.KubeVersion=${kube_version#v}"

ldflags_for() {
  case "$1" in
    kube-*|kubectl|kubelet) echo "-s -w${kube_ldflags}" ;;
    kwok|kwokctl) echo "-s -w${kwok_ldflags}" ;;
    *) echo "-s -w" ;;
  esac
}

export CGO_ENABLED=0
parallel="${KUBE_BUILD_PARALLEL:-2}"
nice_level="${KUBE_BUILD_NICE:-10}"
go_version="$(go env GOVERSION)"
mod_sum="$(cat "${here}/go.mod" "${here}/go.sum" "${here}"/cmd/*/*.go | sha256sum | cut -c1-16)"

# One build at a time (cluster.sh up may be called concurrently).
exec 9>"${bin}/.build.lock"
flock 9

echo "build.sh: kubernetes ${kube_version}, etcd ${etcd_version}, kwok ${kwok_version}, ${go_version}"
echo "build.sh: GOCACHE=$(go env GOCACHE) GOMODCACHE=$(go env GOMODCACHE)"

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.1f", b-a}'; }

cd "${here}"
total_start="$(now)"
# Download modules first (a no-op when the module cache is warm) so that the
# timings below are compile time only.
t0="$(now)"
go mod download
echo "build.sh: go mod download: $(elapsed "${t0}" "$(now)")s"

built=0
for name in "${names[@]}"; do
  if [[ -z "${pkg[${name}]:-}" ]]; then
    echo "build.sh: unknown binary ${name} (known: ${order[*]})" >&2
    exit 2
  fi
  flags="$(ldflags_for "${name}")"
  key="${name} ${pkg[${name}]} ${mod_sum} ${go_version} CGO_ENABLED=0 -trimpath -buildvcs=false ${flags}"
  stamp="${bin}/.stamp-${name}"
  if [[ ${force} -eq 0 && -x "${bin}/${name}" && -f "${stamp}" && "$(cat "${stamp}")" == "${key}" ]]; then
    echo "build.sh: ${name}: up to date"
    continue
  fi
  rm -f "${stamp}"
  t0="$(now)"
  nice -n "${nice_level}" go build -trimpath -buildvcs=false -p "${parallel}" -ldflags "${flags}" \
    -o "${bin}/${name}.tmp" "${pkg[${name}]}"
  mv -f "${bin}/${name}.tmp" "${bin}/${name}"
  printf '%s\n' "${key}" > "${stamp}"
  built=$((built + 1))
  echo "build.sh: ${name}: built in $(elapsed "${t0}" "$(now)")s ($(du -m "${bin}/${name}" | cut -f1) MB)"
done
echo "build.sh: done, ${built} built, total $(elapsed "${total_start}" "$(now)")s"
