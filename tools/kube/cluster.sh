#!/usr/bin/env bash
# Local Kubernetes control plane for tests: real etcd, kube-apiserver,
# kube-controller-manager and kube-scheduler run as local processes by
# `kwokctl --runtime binary`; kwok simulates the nodes, so pods are scheduled
# and become Ready without a container runtime. No Docker needed.
#
# With --real-node, one real node joins them (real-node.sh): a kubelet with
# its own containerd, bridge CNI and kube-proxy; kwok's nodes then carry the
# taint kwok.x-k8s.io/node=fake:NoSchedule, so pods land on the real node
# unless they tolerate it.
#
# Usage: tools/kube/cluster.sh up [--real-node]|down|status|kubeconfig|restart-apiserver
#   up          build if needed, start (or reuse) the cluster, wait until the
#               API server is healthy and the nodes are Ready; the LAST line of
#               stdout is the kubeconfig path (everything else goes to stderr).
#               A real node started earlier is kept (only down stops it).
#   down        delete the cluster and stop every process it started
#   status      report health and which nodes are real; exit 0 when the
#               cluster answers, 1 otherwise
#   kubeconfig  print the kubeconfig path (exit 1 if the cluster is not up)
#   restart-apiserver
#               stop kube-apiserver (SIGTERM by its pid file, SIGKILL after
#               5 s), start it again with the same command line and wait for
#               /readyz; components that gave up while it was down are
#               started again, as a supervisor would. For fault tests, on a
#               cluster of their own (KUBE_CLUSTER_NAME), never a shared one.
#
# Env:
#   KUBE_CLUSTER_NAME   cluster name (default pipeline-actions)
#   KUBE_STATE_DIR      state directory (default <repo>/.tmp/kube)
#   KUBE_NODES          simulated nodes (default 3)
#   KUBE_UP_TIMEOUT     seconds to wait for health (default 180)
#   KUBE_FAILURE_STAGES 0: only kwok's default Stages, without the opt-in
#                       failure Stages of stages/failures.yaml (default 1)
#   KUBE_MONITORING_CRDS 0: do not install the Prometheus Operator CRDs (default 1)
#   KUBE_PROMETHEUS     0: no Prometheus on the real node (default 1: namespace
#                       $PROMETHEUS_NAMESPACE, default monitoring; tools/monitoring/prometheus.sh)
#   KUBE_REAL_NODE=1    as --real-node
# With a real node, <state>/real-node.env holds REAL_NODE_NAME, REAL_NODE_IP,
# REAL_NODE_POD_CIDR... (KEY=value lines) and the node images are pushed to
# the local registry (node-images.sh; needs tools/containers up), with the
# workload stand-ins postgres:17-alpine and redis:7-alpine (base-images.sh).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "${here}/../.." && pwd)"
bin="${here}/bin"
name="${KUBE_CLUSTER_NAME:-pipeline-actions}"
state="$(realpath -m "${KUBE_STATE_DIR:-${root}/.tmp/kube}")"
nodes="${KUBE_NODES:-3}"
timeout="${KUBE_UP_TIMEOUT:-180}"
kubeconfig="${state}/kubeconfig"
real_node="${KUBE_REAL_NODE:-0}"
# The control plane's binaries: their stamps decide whether a cluster is reused.
control_plane=(etcd kube-apiserver kube-controller-manager kube-scheduler kubectl kwok kwok-default-stages kwokctl)
kwok_taint="kwok.x-k8s.io/node=fake:NoSchedule"

# kwokctl keeps everything (config, PKI, etcd data, logs, pid files) under
# $KWOK_WORKDIR/clusters/<name>; keep it inside the repository's .tmp/.
export KWOK_WORKDIR="${state}/kwok"
cluster_dir="${KWOK_WORKDIR}/clusters/${name}"

log() { echo "cluster.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.1f", b-a}'; }

# The lock's file descriptor (8) must not leak into the components kwokctl
# starts: they outlive this script and would hold the lock for ever.
kwokctl() { "${bin}/kwokctl" "$@" 8>&-; }

lock() {
  mkdir -p "${state}"
  exec 8>"${state}/cluster.flock"
  if ! flock -w "${KUBE_LOCK_TIMEOUT:-300}" 8; then
    die "another cluster.sh holds ${state}/cluster.flock (waited ${KUBE_LOCK_TIMEOUT:-300}s)"
  fi
}
kubectl() { "${bin}/kubectl" --kubeconfig "${kubeconfig}" "$@"; }

modver() { awk -v m="$1" '$1==m && $2 ~ /^v/ {print $2; exit}' "${here}/go.mod"; }

cluster_exists() {
  [[ -x "${bin}/kwokctl" ]] || return 1
  kwokctl get clusters 2>/dev/null | grep -qx "${name}"
}

api_healthy() {
  [[ -s "${kubeconfig}" && -x "${bin}/kubectl" ]] || return 1
  kubectl get --raw /readyz --request-timeout=5s >/dev/null 2>&1
}

write_config() { # output path
  local out="$1" kube_version etcd_version
  kube_version="$(modver k8s.io/kubernetes)"
  etcd_version="$(modver go.etcd.io/etcd/server/v3)"
  mkdir -p "${state}"
  cat > "${out}" <<EOF
kind: KwokctlConfiguration
apiVersion: config.kwok.x-k8s.io/v1alpha1
options:
  runtime: binary
  bindAddress: 127.0.0.1
  kubeVersion: ${kube_version}
  etcdVersion: ${etcd_version#v}
  kubeApiserverBinary: ${bin}/kube-apiserver
  kubeControllerManagerBinary: ${bin}/kube-controller-manager
  kubeSchedulerBinary: ${bin}/kube-scheduler
  kubectlBinary: ${bin}/kubectl
  etcdBinary: ${bin}/etcd
  kwokControllerBinary: ${bin}/kwok
componentsPatches:
# kwok keeps to the nodes it made (kwokctl annotates them), never a real node.
- name: kwok-controller
  extraArgs:
  - {key: manage-all-nodes, value: "false", override: true}
  - {key: manage-nodes-with-annotation-selector, value: "kwok.x-k8s.io/node=fake"}
# logs, exec and port-forward to a real node: dial its InternalIP, as the admin.
- name: kube-apiserver
  extraArgs:
  - {key: kubelet-preferred-address-types, value: InternalIP}
  - {key: kubelet-client-certificate, value: ${cluster_dir}/pki/admin.crt}
  - {key: kubelet-client-key, value: ${cluster_dir}/pki/admin.key}
EOF
  # Any Stage in --config replaces all of kwokctl's default Stages, so the
  # defaults (printed from the pinned kwok module) go in first, then the
  # opt-in failure Stages of stages/failures.yaml.
  if [[ "${KUBE_FAILURE_STAGES:-1}" != "0" ]]; then
    {
      "${bin}/kwok-default-stages"
      printf -- '---\n'
      cat "${here}/stages/failures.yaml"
    } >> "${out}"
  fi
}

export_kubeconfig() {
  local tmp="${kubeconfig}.tmp"
  kwokctl get kubeconfig --name "${name}" > "${tmp}"
  [[ -s "${tmp}" ]] || die "kwokctl get kubeconfig returned nothing"
  chmod 600 "${tmp}"
  mv -f "${tmp}" "${kubeconfig}"
}

wait_for() { # description, timeout seconds, command...
  local what="$1" limit="$2"; shift 2
  local start; start="$(date +%s)"
  until "$@" >/dev/null 2>&1; do
    if (( $(date +%s) - start >= limit )); then
      log "timed out after ${limit}s waiting for ${what}"
      return 1
    fi
    sleep 0.5
  done
}

ensure_nodes() {
  local have
  have="$(kubectl get nodes -l type=kwok -o name 2>/dev/null | wc -l)"
  if (( have < nodes )); then
    log "scaling to ${nodes} kwok nodes"
    kwokctl scale node --name "${name}" --replicas "${nodes}" >&2
  fi
  wait_for "${nodes} nodes" "${timeout}" bash -c \
    "[[ \$('${bin}/kubectl' --kubeconfig '${kubeconfig}' get nodes -l type=kwok -o name | wc -l) -ge ${nodes} ]]"
  # kwok's nodes only: a real node stopped alone (real-node.sh down) is gone or NotReady.
  kubectl wait --for=condition=Ready node -l type=kwok --timeout="${timeout}s" >&2
  # Pods cannot be created until kube-controller-manager has made the
  # namespace's default ServiceAccount.
  wait_for "the default ServiceAccount" "${timeout}" kubectl -n default get serviceaccount default
}

# What the manifests rely on beyond Kubernetes itself: the Prometheus Operator
# CRDs (tools/monitoring/crds.sh, pinned there). KUBE_MONITORING_CRDS=0 skips.
after_up() {
  [[ "${KUBE_MONITORING_CRDS:-1}" == "0" ]] && return 0
  KUBECONFIG="${kubeconfig}" KUBECTL="${bin}/kubectl" "${root}/tools/monitoring/crds.sh" apply >&2 8>&-
}

# With a real node: a Prometheus there that scrapes what ServiceMonitors
# select (tools/monitoring/prometheus.sh deploy). The cluster is usable
# without it, so a failure is a warning.
ensure_prometheus() {
  [[ "${KUBE_PROMETHEUS:-1}" == "0" ]] && return 0
  real_node status >/dev/null 2>&1 || return 0
  local t0; t0="$(now)"
  if KUBECONFIG="${kubeconfig}" KUBECTL="${bin}/kubectl" "${root}/tools/monitoring/prometheus.sh" deploy >/dev/null 8>&-; then
    log "Prometheus on the real node (namespace ${PROMETHEUS_NAMESPACE:-monitoring}) in $(elapsed "${t0}" "$(now)")s"
  else
    log "warning: Prometheus could not be deployed (tools/monitoring/prometheus.sh deploy failed); the cluster works without it"
  fi
}

real_node() { KUBE_CLUSTER_NAME="${name}" KUBE_STATE_DIR="${state}" "${here}/real-node.sh" "$@" 8>&-; }

# The real node (when asked for, or already running) and the kwok taint.
ensure_real_node() {
  if [[ "${real_node}" == 1 ]]; then
    local registry
    registry="$("${root}/tools/containers/containers.sh" env 2>/dev/null | tail -n1)"
    [[ -n "${registry}" ]] || die "--real-node needs the container toolchain (tools/containers/containers.sh up): its registry serves the node's images"
    "${here}/node-images.sh" >/dev/null 8>&-
    # Stand-ins for the images workloads need that cannot be pulled here
    # (the staging overlay's in-cluster PostgreSQL and Redis); cached.
    "${root}/tools/containers/base-images.sh" postgres redis >/dev/null 8>&-
    CONTAINERS_REGISTRY="${registry}" real_node up "${kubeconfig}" "${cluster_dir}/pki/ca.crt"
  fi
  if real_node status >/dev/null 2>&1; then
    real_node env > "${state}/real-node.env"
    kubectl taint nodes -l type=kwok "${kwok_taint}" --overwrite >/dev/null
    log "real node: $(tr '\n' ' ' < "${state}/real-node.env"); kwok nodes tainted ${kwok_taint}"
  else
    rm -f "${state}/real-node.env"
    kubectl taint nodes -l type=kwok "${kwok_taint%%=*}-" >/dev/null 2>&1 || true
  fi
}

cmd_up() {
  local t0; t0="$(now)"
  local wanted=("${control_plane[@]}")
  [[ "${real_node}" == 1 ]] && wanted+=(kube-proxy kubelet cluster-dns)
  "${here}/build.sh" "${wanted[@]}" >&2 8>&-
  local t_built; t_built="$(now)"
  lock

  # A cluster made from another configuration or other binaries (go.mod or
  # stages/failures.yaml changed) is recreated rather than reused.
  write_config "${state}/kwokctl.yaml.new"
  (cd "${bin}" && cat "${control_plane[@]/#/.stamp-}") | sha256sum | cut -c1-16 > "${state}/build.new"
  if cluster_exists; then
    if ! cmp -s "${state}/kwokctl.yaml.new" "${state}/kwokctl.yaml" || \
       { [[ -f "${state}/build" ]] && ! cmp -s "${state}/build.new" "${state}/build"; }; then
      log "configuration or binaries changed since cluster ${name} was created; recreating it"
      real_node down
      kwokctl delete cluster --name "${name}" --kubeconfig "${state}/kwokctl-contexts.yaml" >&2
    fi
  fi
  mv -f "${state}/build.new" "${state}/build"

  if cluster_exists; then
    if [[ -s "${kubeconfig}" ]] && api_healthy; then
      log "cluster ${name} is already running; reusing it"
    else
      log "cluster ${name} exists but is not answering; starting it"
      if ! kwokctl start cluster --name "${name}" >&2; then
        log "start failed; deleting and recreating"
        kwokctl delete cluster --name "${name}" --kubeconfig "${state}/kwokctl-contexts.yaml" >&2 || true
      fi
    fi
  fi

  if ! cluster_exists; then
    mv -f "${state}/kwokctl.yaml.new" "${state}/kwokctl.yaml"
    log "creating cluster ${name} (kwokctl --runtime binary, workdir ${KWOK_WORKDIR})"
    kwokctl create cluster \
      --name "${name}" \
      --runtime binary \
      --config "${state}/kwokctl.yaml" \
      --kubeconfig "" \
      --wait "${timeout}s" >&2
  fi

  rm -f "${state}/kwokctl.yaml.new"
  export_kubeconfig
  wait_for "the API server (/readyz)" "${timeout}" api_healthy || {
    log "see logs: ${bin}/kwokctl logs --name ${name} kube-apiserver (KWOK_WORKDIR=${KWOK_WORKDIR})"
    exit 1
  }
  ensure_nodes
  after_up
  ensure_real_node
  ensure_prometheus
  log "cluster ${name} is up: build check $(elapsed "${t0}" "${t_built}")s, cluster $(elapsed "${t_built}" "$(now)")s"
  log "server $(kubectl config view -o jsonpath='{.clusters[0].cluster.server}')"
  echo "${kubeconfig}"
}

pids_of_cluster() {
  # kwokctl's binary runtime records one pid file per component.
  local f
  for f in "${cluster_dir}"/pids/*.pid; do
    [[ -f "${f}" ]] && echo "$(<"${f}")"
  done
  return 0
}

ours() { # pid: running, and its executable lives in this cluster's directory
  [[ -r "/proc/$1/cmdline" ]] && tr '\0' '\n' < "/proc/$1/cmdline" | head -n1 | grep -q "^${cluster_dir}/"
}

cmd_down() {
  lock
  real_node down
  rm -f "${state}/real-node.env"
  if [[ ! -x "${bin}/kwokctl" ]]; then
    log "kwokctl is not built; nothing to stop"
    rm -f "${kubeconfig}"
    return 0
  fi
  local pids
  pids="$(pids_of_cluster | tr '\n' ' ')"
  if cluster_exists; then
    log "deleting cluster ${name}"
    # --kubeconfig "" is refused by delete ("empty path"); point it at a scratch
    # file so that ~/.kube/config is never edited.
    kwokctl delete cluster --name "${name}" --kubeconfig "${state}/kwokctl-contexts.yaml" >&2
  else
    log "cluster ${name} does not exist"
  fi
  # kwokctl signals the components and returns; give them time to shut down,
  # then stop any that remain. Only the recorded pids, and only while they
  # still run a binary from this cluster's directory (pids can be reused).
  local pid _
  for pid in ${pids}; do
    for _ in $(seq 1 40); do
      ours "${pid}" || break
      sleep 0.25
    done
    if ours "${pid}"; then
      log "stopping leftover process ${pid} ($(tr '\0' ' ' < "/proc/${pid}/cmdline" | cut -c1-80))"
      kill "${pid}" 2>/dev/null || true
      sleep 2
      if ours "${pid}"; then kill -9 "${pid}" 2>/dev/null || true; fi
    fi
  done
  rm -f "${kubeconfig}"
  log "cluster ${name} is down"
}

cmd_status() {
  if ! cluster_exists; then
    log "cluster ${name}: not created"
    return 1
  fi
  if api_healthy; then
    log "cluster ${name}: running; kubeconfig ${kubeconfig}"
    kubectl get nodes -o custom-columns='NAME:.metadata.name,READY:.status.conditions[?(@.type=="Ready")].status,REAL:.metadata.labels.pipeline-actions\.dev/real-node,KWOK:.metadata.annotations.kwok\.x-k8s\.io/node,INTERNAL-IP:.status.addresses[?(@.type=="InternalIP")].address,VERSION:.status.nodeInfo.kubeletVersion' >&2 || true
    real_node status || true
    return 0
  fi
  log "cluster ${name}: created but the API server is not answering"
  return 1
}

# Starts a component of the cluster again with the command line and working
# directory it had (kwokctl's binary runtime supervises nothing), and records
# its new pid where kwokctl (and down) look for it.
respawn() { # component, cwd, argv...
  local what="$1" dir="$2"; shift 2
  (cd "${dir}" && exec setsid "$@" >>"${cluster_dir}/logs/${what}.log" 2>&1 </dev/null 8>&-) &
  echo "$!" > "${cluster_dir}/pids/${what}.pid"
}

cmd_restart_apiserver() {
  lock
  cluster_exists || die "cluster ${name} does not exist"
  local components=(kube-apiserver kube-controller-manager kube-scheduler kwok-controller)
  local -A argv_of=() cwd_of=()
  local c pid
  for c in "${components[@]}"; do
    pid="$(cat "${cluster_dir}/pids/${c}.pid" 2>/dev/null || true)"
    if ! [[ "${pid}" =~ ^[0-9]+$ ]] || ! ours "${pid}"; then continue; fi
    argv_of[${c}]="$(tr '\0' '\n' < "/proc/${pid}/cmdline")"
    cwd_of[${c}]="$(readlink "/proc/${pid}/cwd")"
  done
  [[ -n "${argv_of[kube-apiserver]:-}" ]] || die "kube-apiserver of cluster ${name} is not running"
  pid="$(<"${cluster_dir}/pids/kube-apiserver.pid")"
  local t0; t0="$(now)"
  # It stops listening at once on SIGTERM, but may take a minute to drain
  # long-running requests: after 5 s it is killed, as a supervisor would.
  kill "${pid}"
  local _
  for _ in $(seq 1 20); do ours "${pid}" || break; sleep 0.25; done
  if ours "${pid}"; then
    log "kube-apiserver ${pid} still runs 5 s after SIGTERM; killing it"
    kill -9 "${pid}" 2>/dev/null || true
    for _ in $(seq 1 20); do ours "${pid}" || break; sleep 0.25; done
  fi
  local t_stopped; t_stopped="$(now)"
  local args
  mapfile -t args <<< "${argv_of[kube-apiserver]}"
  respawn kube-apiserver "${cwd_of[kube-apiserver]}" "${args[@]}"
  wait_for "the API server (/readyz)" "${timeout}" api_healthy || die "kube-apiserver did not come back; see ${cluster_dir}/logs/kube-apiserver.log"
  log "kube-apiserver restarted: stopped in $(elapsed "${t0}" "${t_stopped}")s, unavailable for $(elapsed "${t0}" "$(now)")s"
  # kube-controller-manager and kube-scheduler exit when they cannot renew
  # their leader lease (10 s): give them a moment to notice, then restart those gone.
  sleep 1
  for c in "${components[@]:1}"; do
    [[ -n "${argv_of[${c}]:-}" ]] || continue
    pid="$(cat "${cluster_dir}/pids/${c}.pid" 2>/dev/null || true)"
    if [[ "${pid}" =~ ^[0-9]+$ ]] && ours "${pid}"; then continue; fi
    log "${c} exited while the API server was down; starting it again"
    mapfile -t args <<< "${argv_of[${c}]}"
    respawn "${c}" "${cwd_of[${c}]}" "${args[@]}"
  done
}

command="${1:-}"
[[ $# -gt 0 ]] && shift
for arg in "$@"; do
  case "${command} ${arg}" in
    "up --real-node") real_node=1 ;;
    *) log "unknown argument '${arg}' for '${command}' (accepted: up --real-node)"; exit 2 ;;
  esac
done

case "${command}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  restart-apiserver) cmd_restart_apiserver ;;
  kubeconfig)
    if api_healthy; then echo "${kubeconfig}"; else log "cluster ${name} is not up"; exit 1; fi ;;
  *) awk 'NR>1 && /^#/ {sub(/^# ?/, ""); print; next} NR>1 {exit}' "${BASH_SOURCE[0]}" >&2; exit 2 ;;
esac
