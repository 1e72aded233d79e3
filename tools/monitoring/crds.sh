#!/usr/bin/env bash
# The Prometheus Operator's CustomResourceDefinitions (ServiceMonitor,
# PodMonitor, PrometheusRule, Prometheus, ...), taken from the operator's Go
# module pinned in go.mod (its zip carries example/prometheus-operator-crd/),
# downloaded through the Go module proxy and checked against go.sum.
#
# Usage: tools/monitoring/crds.sh dir|apply
#   dir    print the directory holding the CRD manifests (downloads the module)
#   apply  server-side apply them to the cluster of $KUBECONFIG and wait until
#          every one is Established; idempotent
# Env:   KUBECTL  kubectl binary (default tools/kube/bin/kubectl)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "${here}/../.." && pwd)"
module=github.com/prometheus-operator/prometheus-operator
kubectl_bin="${KUBECTL:-${root}/tools/kube/bin/kubectl}"

log() { echo "crds.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }

crd_dir() {
  command -v go >/dev/null || die "go is not on PATH"
  local json dir
  json="$(cd "${here}" && go mod download -json "${module}")" || die "go mod download ${module} failed"
  dir="$(jq -r '.Dir // empty' <<<"${json}")"
  [[ -n "${dir}" ]] || die "go mod download gave no directory: $(jq -r '.Error // empty' <<<"${json}")"
  dir="${dir}/example/prometheus-operator-crd"
  compgen -G "${dir}/monitoring.coreos.com_*.yaml" >/dev/null || die "no CRD manifests in ${dir}"
  echo "${dir}"
}

# The CRDs' names and whether the cluster already has each at this version
# (the operator stamps operator.prometheus.io/version on them).
crd_names() { local f n; for f in "$1"/monitoring.coreos.com_*.yaml; do
  n="$(basename "${f}" .yaml)"; echo "${n#monitoring.coreos.com_}.monitoring.coreos.com"; done; }
installed() { # version, names...
  local version="$1" name; shift
  for name in "$@"; do
    [[ "$("${kubectl_bin}" get crd "${name}" -o jsonpath='{.metadata.annotations.operator\.prometheus\.io/version}' 2>/dev/null)" == "${version#v}" ]] || return 1
  done
}

cmd_apply() {
  [[ -n "${KUBECONFIG:-}" ]] || die "KUBECONFIG is not set"
  [[ -x "${kubectl_bin}" ]] || die "no kubectl at ${kubectl_bin} (tools/kube/build.sh)"
  local dir version names
  dir="$(crd_dir)"
  version="$(awk -v m="${module}" '$1=="require" && $2==m {print $3}' "${here}/go.mod")"
  mapfile -t names < <(crd_names "${dir}")
  if installed "${version}" "${names[@]}"; then
    log "Prometheus Operator ${version} CRDs already installed (${#names[@]})"
    return 0
  fi
  # Server-side: the Prometheus CRD is larger than the client-side
  # last-applied annotation allows.
  "${kubectl_bin}" apply --server-side --force-conflicts --field-manager=pipeline-actions-crds \
    -f "${dir}" >&2
  "${kubectl_bin}" wait --for=condition=Established --timeout=60s "${names[@]/#/crd/}" >&2
  log "Prometheus Operator ${version} CRDs established (${#names[@]})"
}

case "${1:-}" in
  dir) crd_dir ;;
  apply) cmd_apply ;;
  *) awk 'NR>1 && /^#/ {sub(/^# ?/, ""); print; next} NR>1 {exit}' "${BASH_SOURCE[0]}" >&2; exit 2 ;;
esac
