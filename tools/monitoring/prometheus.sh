#!/usr/bin/env bash
# Prometheus and promtool from Debian's `prometheus` package, unpacked into
# tools/monitoring/bin/ (git-ignored) without installing the package: no
# service is set up or started, nothing outside this folder changes. The
# binaries need only the C library. The version is the one the machine's apt
# sources serve (bookworm: 2.42.0); the stand-in image (prometheus-image.sh)
# is made from the same package.
#
# Usage: tools/monitoring/prometheus.sh install|version|deploy|delete
#   install  download and unpack the package when bin/ lacks it or holds
#            another version; the last stdout line is the bin directory
#   version  print the package version apt would fetch
#   deploy   run Prometheus on the real node of the cluster of $KUBECONFIG, in
#            namespace $PROMETHEUS_NAMESPACE (default monitoring): the stand-in
#            image (prometheus-image.sh, cached) with a sidecar that finds the
#            targets every ServiceMonitor in the cluster selects
#            (scripts/monitoring/, HTTP service discovery: Debian's build has
#            no Kubernetes discovery). Idempotent; waits until it is ready.
#            The last stdout line is its in-cluster URL.
#   delete   remove what deploy made in $PROMETHEUS_NAMESPACE
# Env (deploy): KUBECONFIG (required), KUBECTL, PROMETHEUS_NAMESPACE,
#   PROMETHEUS_TIMEOUT (seconds to wait for the rollout, default 120)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "${here}/../.." && pwd)"
bin="${here}/bin"
namespace="${PROMETHEUS_NAMESPACE:-monitoring}"

log() { echo "prometheus.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }

candidate() {
  local v
  v="$(apt-cache policy prometheus 2>/dev/null | awk '/Candidate:/ {print $2}')"
  if [[ -z "${v}" || "${v}" == "(none)" ]]; then
    log "apt-get update (no candidate for prometheus yet)"
    apt-get update -qq >/dev/null
    v="$(apt-cache policy prometheus | awk '/Candidate:/ {print $2}')"
  fi
  [[ -n "${v}" && "${v}" != "(none)" ]] || die "apt knows no prometheus package"
  echo "${v}"
}

cmd_install() {
  command -v apt-get >/dev/null || die "apt-get not found: put prometheus and promtool in ${bin} by hand"
  local version work deb
  version="$(candidate)"
  if [[ -x "${bin}/prometheus" && -x "${bin}/promtool" && "$(cat "${bin}/.version" 2>/dev/null)" == "${version}" ]]; then
    log "prometheus ${version}: up to date"
    echo "${bin}"
    return 0
  fi
  work="$(mktemp -d)"
  trap 'rm -rf "${work}"' RETURN
  log "apt-get download prometheus=${version}"
  # apt's sandbox user must be able to write the download directory.
  chmod 0777 "${work}"
  (cd "${work}" && apt-get download -qq "prometheus=${version}" >/dev/null 2>&1) || die "apt-get download prometheus=${version} failed"
  deb="$(compgen -G "${work}/prometheus_*.deb" | head -n1)"
  [[ -n "${deb}" ]] || die "no .deb downloaded"
  dpkg-deb -x "${deb}" "${work}/root"
  mkdir -p "${bin}"
  install -m 0755 "${work}/root/usr/bin/prometheus" "${work}/root/usr/bin/promtool" "${bin}/"
  printf '%s\n' "${version}" > "${bin}/.version"
  log "prometheus ${version}: $("${bin}/prometheus" --version 2>&1 | head -n1)"
  echo "${bin}"
}

kube() { "${KUBECTL:-${root}/tools/kube/bin/kubectl}" --kubeconfig "${KUBECONFIG:?KUBECONFIG must name the cluster}" "$@"; }

check_namespace() {
  [[ "${namespace}" =~ ^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$ ]] ||
    die "PROMETHEUS_NAMESPACE='${namespace}' is not a namespace name (lower-case letters, digits and '-', at most 63)"
}

# The API server as pods on the real node reach it. Its only endpoint is the
# host's loopback, so the `kubernetes` Service does not answer in pods; the
# node's forwarder (real-node.sh, on the host side of the node's link) does,
# with a certificate that names localhost. Other clusters: the in-cluster default.
api_flags() {
  local server port node_ip host_ip
  server="$(kube config view --minify -o jsonpath='{.clusters[0].cluster.server}')"
  [[ "${server}" =~ ^https://127\.0\.0\.1:([0-9]+)$ ]] || return 0
  port="${BASH_REMATCH[1]}"
  node_ip="$(kube get nodes -l pipeline-actions.dev/real-node=true -o jsonpath='{.items[0].status.addresses[?(@.type=="InternalIP")].address}')"
  [[ -n "${node_ip}" ]] || die "the cluster has no real node (tools/kube/cluster.sh up --real-node): nothing would run Prometheus"
  host_ip="$(ip -4 -o route get "${node_ip}" | sed -n 's/.* src \([0-9.]*\).*/\1/p')"
  [[ -n "${host_ip}" ]] || die "no route to the real node ${node_ip}"
  printf '%s\n' --api-url "https://${host_ip}:${port}" --api-server-name localhost
}

node_bin() {
  local n="${root}/node_modules/.bin/node"
  [[ -x "${n}" ]] || n="$(command -v node || true)"
  if [[ -z "${n}" ]] || ! "${n}" -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 24 ? 0 : 1)'; then
    die "Node.js 24 is needed to render the manifests (npm ci in ${root})"
  fi
  echo "${n}"
}

in_registry() { # registry, repository, tag
  curl -sf -o /dev/null --max-time 10 \
    -H 'Accept: application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json' \
    "http://$1/v2/$2/manifests/$3"
}

cmd_deploy() {
  check_namespace
  local t0 node flags=()
  t0="$(date +%s.%N)"
  node="$(node_bin)"
  mapfile -t flags < <(api_flags)
  local version registry
  version="$(candidate)"; version="${version%%+*}"; version="${version%%-*}"
  # The images in the registry the node pulls from: built once, then only
  # looked up (prometheus-image.sh and base-images.sh rebuild when their
  # inputs change: run them to refresh).
  registry="$("${root}/tools/containers/containers.sh" env 2>/dev/null | tail -n1)"
  [[ -n "${registry}" ]] || die "the container toolchain is not up (tools/containers/containers.sh up): its registry serves the node's images"
  in_registry "${registry}" "prom/prometheus" "v${version}" || "${here}/prometheus-image.sh" >/dev/null
  in_registry "${registry}" distroless/nodejs24-debian12 nonroot || "${root}/tools/containers/base-images.sh" distroless >/dev/null
  "${node}" "${root}/scripts/monitoring/render-prometheus.ts" --namespace "${namespace}" \
    --prometheus-image "docker.io/prom/prometheus:v${version}" \
    --node-image gcr.io/distroless/nodejs24-debian12:nonroot "${flags[@]}" | kube apply -f - >&2
  kube -n "${namespace}" rollout status deployment/prometheus --timeout="${PROMETHEUS_TIMEOUT:-120}s" >&2
  log "Prometheus ready in namespace ${namespace} ($(awk -v a="${t0}" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}')s)${flags[1]:+; API server for discovery ${flags[1]}}"
  echo "http://prometheus.${namespace}.svc:9090"
}

cmd_delete() {
  check_namespace
  kube delete clusterrolebinding,clusterrole "${namespace}-prometheus" --ignore-not-found >&2
  kube delete namespace "${namespace}" --ignore-not-found --wait=false >&2
}

case "${1:-}" in
  install) cmd_install ;;
  version) candidate ;;
  deploy) cmd_deploy ;;
  delete) cmd_delete ;;
  *) awk 'NR>1 && /^#/ {sub(/^# ?/, ""); print; next} NR>1 {exit}' "${BASH_SOURCE[0]}" >&2; exit 2 ;;
esac
