#!/usr/bin/env bash
# The real node of a tools/kube cluster (`cluster.sh up --real-node`): a
# kubelet, its own containerd (CRI) with bridge CNI, and kube-proxy, all in a
# network namespace of their own, so that the bridge, the pods' addresses and
# every iptables rule kube-proxy and CNI write stay inside it. Called by
# cluster.sh; usable alone for status and cleanup.
#
# Usage: tools/kube/real-node.sh up <admin-kubeconfig> <cluster-ca.crt>
#        tools/kube/real-node.sh down|status|env
#   up      start (or reuse) the node and wait until it is Ready
#   down    stop it and remove what up made: pod sandboxes and their network
#           namespaces, the node's network namespace (with its bridge and
#           iptables rules), the veth pair, mounts and cgroups
#   status  exit 0 when kubelet, containerd and kube-proxy run
#   env     KEY=value lines: REAL_NODE_NAME, REAL_NODE_IP, REAL_NODE_POD_CIDR...
#
# Names that live outside the state directory are derived from the cluster
# name, so two clusters' nodes coexist: network namespace pa-<id>, host veth
# pa-<id>, cgroup /pa-<id>, link 10.254.<n>.0/30, pods 10.253.<n>.0/24
# (<id> = 8 hex digits of sha256(name); <n> = 20-219 from the same hash).
#
# Env: KUBE_CLUSTER_NAME, KUBE_STATE_DIR (as cluster.sh)
#      KUBE_REAL_NODE_INDEX   <n> above, when the derived one collides
#      KUBE_NO_INSTALL=1      never run apt-get
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "${here}/../.." && pwd)"
bin="${here}/bin"
name="${KUBE_CLUSTER_NAME:-pipeline-actions}"
state="$(realpath -m "${KUBE_STATE_DIR:-${root}/.tmp/kube}")/real-node"
node_name=real-node-0
id="$(printf '%s' "${name}" | sha256sum | cut -c1-8)"
index="${KUBE_REAL_NODE_INDEX:-$(( 16#${id:0:4} % 200 + 20 ))}"
[[ "${index}" =~ ^[0-9]+$ && ${index} -ge 1 && ${index} -le 254 ]] || {
  echo "real-node.sh: KUBE_REAL_NODE_INDEX='${index}' is not a number from 1 to 254" >&2; exit 2; }
netns="pa-${id}"
host_if="pa-${id}"
cgroup="pa-${id}"
host_ip="10.254.${index}.1"
node_ip="10.254.${index}.2"
pod_cidr="10.253.${index}.0/24"
run="${state}/run"
logs="${state}/logs"
sock="${run}/containerd.sock"
node_kubeconfig="${state}/kubeconfig"

log() { echo "real-node.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }
# shellcheck source=SCRIPTDIR/../common/system-packages.sh
. "${root}/tools/common/system-packages.sh"
usage() { awk 'NR>1 && /^#/ {sub(/^# ?/, ""); print; next} NR>1 {exit}' "${BASH_SOURCE[0]}" >&2; }
# nsenter, not `ip netns exec`: that one also mounts a fresh /sys, which hides
# the cgroup mounts the kubelet and runc need.
in_node() { nsenter --net="/run/netns/${netns}" -- "$@"; }

# ------------------------------------------------------------ packages

install_missing() {
  local cmd
  packages_reset
  for cmd in containerd runc socat iptables; do packages_need_command "${cmd}" "${cmd}"; done
  packages_need_command ctr containerd
  [[ -x /usr/lib/cni/bridge && -x /usr/lib/cni/host-local && -x /usr/lib/cni/portmap ]] ||
    packages_need containernetworking-plugins "the node's bridge CNI"
  packages_install "${KUBE_NO_INSTALL:-0}" KUBE_NO_INSTALL "the real node"
}

# ------------------------------------------------------------ processes

pidfile() { echo "${run}/$1.pid"; }
started_at() { awk '{print $22}' "/proc/$1/stat" 2>/dev/null; }

# pid of a component when it runs and is ours: the pid file holds its pid and
# start time, so a pid reused by another process does not count.
running_pid() {
  local f pid start
  f="$(pidfile "$1")"
  [[ -s "${f}" ]] || return 1
  read -r pid start < "${f}" || true
  [[ "${pid}" =~ ^[0-9]+$ && -n "${start}" && "$(started_at "${pid}")" == "${start}" ]] || return 1
  echo "${pid}"
}

# Detached from this shell (own session, no inherited lock fds), in the node's namespace unless told.
spawn() { # name, where (node|host), command...
  local what="$1" where="$2"; shift 2
  mkdir -p "${logs}" "${run}"
  if [[ "${where}" == node ]]; then set -- nsenter --net="/run/netns/${netns}" -- "$@"; fi
  setsid "$@" >>"${logs}/${what}.log" 2>&1 </dev/null 8>&- 9>&- &
  local pid=$!
  sleep 0.1
  echo "${pid} $(started_at "${pid}")" > "$(pidfile "${what}")"
}

stop() { # name
  local pid _
  pid="$(running_pid "$1")" || { rm -f "$(pidfile "$1")"; return 0; }
  # Its own session and process group (spawn): socat's per-connection children go with it.
  kill -- "-${pid}" 2>/dev/null || kill "${pid}" 2>/dev/null || true
  for _ in $(seq 1 40); do running_pid "$1" >/dev/null || break; sleep 0.25; done
  if running_pid "$1" >/dev/null; then kill -9 -- "-${pid}" 2>/dev/null || true; sleep 0.5; fi
  rm -f "$(pidfile "$1")"
}

wait_until() { # what, seconds, command...
  local what="$1" limit="$2" start; shift 2
  start="$(date +%s)"
  until "$@" >/dev/null 2>&1; do
    if (( $(date +%s) - start >= limit )); then log "timed out after ${limit}s waiting for ${what}"; return 1; fi
    sleep 0.3
  done
}

# ------------------------------------------------------------ network

# A subnet of ours that something else on the host already routes.
check_free() {
  local net route
  for net in "10.254.${index}.0/30" "${pod_cidr}"; do
    route="$(ip -4 route show to match "${net%/*}" | grep -v '^default' | grep -v "dev ${host_if}\b" | grep -v "via ${node_ip}\b" || true)"
    [[ -z "${route}" ]] || die "${net} is already routed on this host (${route}); set KUBE_REAL_NODE_INDEX to another 1-254"
  done
}

ensure_network() {
  if ! ip netns list | grep -qw "^${netns}"; then
    check_free
    log "creating network namespace ${netns} (node ${node_ip}, pods ${pod_cidr})"
    ip netns add "${netns}"
  fi
  if ! ip link show "${host_if}" >/dev/null 2>&1; then
    ip link add "${host_if}" type veth peer name eth0 netns "${netns}"
  fi
  ip -4 addr show dev "${host_if}" | grep -qF "inet ${host_ip}/30" || ip addr add "${host_ip}/30" dev "${host_if}"
  ip link set "${host_if}" up
  in_node ip link set lo up
  in_node ip -4 addr show dev eth0 | grep -qF "inet ${node_ip}/30" || in_node ip addr add "${node_ip}/30" dev eth0
  in_node ip link set eth0 up
  in_node ip route replace default via "${host_ip}"
  # Per-namespace settings: pods are routed through the node, and bridged
  # pod-to-pod traffic passes kube-proxy's rules.
  in_node sysctl -qw net.ipv4.ip_forward=1 net.bridge.bridge-nf-call-iptables=1
  # The host reaches pod IPs (tests, port checks) through the node.
  ip route replace "${pod_cidr}" via "${node_ip}" dev "${host_if}"
}

# The node reaches the API server and the registry (both on host loopback) through these.
start_forwarders() { # api port, registry port
  local what port
  for what in "api:$1" "registry:$2"; do
    port="${what#*:}"; what="forward-${what%%:*}"
    if running_pid "${what}" >/dev/null && grep -qx "${port}" "${run}/${what}.port" 2>/dev/null; then continue; fi
    stop "${what}"
    spawn "${what}" host socat "TCP-LISTEN:${port},bind=${host_ip},fork,reuseaddr" "TCP:127.0.0.1:${port}"
    echo "${port}" > "${run}/${what}.port"
  done
}

# Service names for the pods (kubelet's clusterDNS), answered from the API server.
start_cluster_dns() { # admin kubeconfig
  running_pid cluster-dns >/dev/null && return 0
  spawn cluster-dns host "${bin}/cluster-dns" --kubeconfig "$1" --listen "${host_ip}:53" --domain cluster.local
}

# ------------------------------------------------------------ configuration

write_containerd_config() { # registry host:port
  local registry="$1" conf="${state}/containerd/config.toml" upstream
  mkdir -p "${state}/containerd/certs.d"
  # Pulls of the local registry and of the public registries go to it,
  # through the forwarder on the host side of the veth: it holds the
  # stand-ins and what a local pipeline run pushed under those names
  # (the runner maps every registry to the local one). containerd 1.6 has
  # no `_default` host, so each registry a workflow may name is listed.
  for upstream in "${registry}" docker.io registry.k8s.io gcr.io ghcr.io quay.io public.ecr.aws \
      mcr.microsoft.com registry.gitlab.com; do
    mkdir -p "${state}/containerd/certs.d/${upstream}"
    cat > "${state}/containerd/certs.d/${upstream}/hosts.toml" <<EOF
server = "http://${host_ip}:${registry##*:}"
[host."http://${host_ip}:${registry##*:}"]
  capabilities = ["pull", "resolve"]
EOF
  done
  cat > "${conf}.new" <<EOF
version = 2
root = "${state}/containerd/root"
state = "${run}/containerd-state"
[grpc]
  address = "${sock}"
[ttrpc]
  address = "${sock}.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "registry.k8s.io/pause:3.10"
  # This machine's root lacks CAP_SYS_RESOURCE: without it every sandbox
  # fails to start (runc cannot lower oom_score_adj).
  restrict_oom_score_adj = true
  stream_server_address = "127.0.0.1"
  netns_mounts_under_state_dir = true
  enable_selinux = false
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = "${run}/runc"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "${state}/cni/net.d"
    max_conf_num = 1
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "${state}/containerd/certs.d"
EOF
  mv -f "${conf}.new" "${conf}"
  mkdir -p "${state}/cni/net.d" "${state}/cni/ipam"
  cat > "${state}/cni/net.d/10-bridge.conflist" <<EOF
{
  "cniVersion": "0.4.0",
  "name": "${netns}",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "cni0",
      "isGateway": true,
      "ipMasq": true,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "ranges": [[{ "subnet": "${pod_cidr}" }]],
        "routes": [{ "dst": "0.0.0.0/0" }],
        "dataDir": "${state}/cni/ipam"
      }
    },
    { "type": "portmap", "capabilities": { "portMappings": true } }
  ]
}
EOF
}

write_node_kubeconfig() { # admin kubeconfig, api port
  # The admin identity, pointed at the forwarder; the API server's
  # certificate names localhost, not the forwarder's address.
  "${bin}/kubectl" --kubeconfig "$1" config view --raw --minify --flatten -o json |
    jq --arg s "https://${host_ip}:$2" \
      '.clusters[0].cluster.server = $s | .clusters[0].cluster["tls-server-name"] = "localhost"' \
    > "${node_kubeconfig}.json"
  "${bin}/kubectl" --kubeconfig "${node_kubeconfig}.json" config view --raw > "${node_kubeconfig}.new"
  rm -f "${node_kubeconfig}.json"
  chmod 600 "${node_kubeconfig}.new"
  mv -f "${node_kubeconfig}.new" "${node_kubeconfig}"
}

write_kubelet_config() { # cluster ca
  mkdir -p "${state}/kubelet" "${state}/pod-logs"
  cat > "${state}/kubelet/config.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
# Kubernetes 1.36 refuses cgroup v1 unless told; this machine has only v1 controllers.
failCgroupV1: false
cgroupDriver: cgroupfs
cgroupRoot: /${cgroup}
containerRuntimeEndpoint: unix://${sock}
podLogsDir: ${state}/pod-logs
address: ${node_ip}
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
# The API server authenticates with the cluster CA's admin certificate (logs, exec, port-forward).
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: false}
  x509: {clientCAFile: $1}
authorization: {mode: AlwaysAllow}
failSwapOn: false
serializeImagePulls: false
# A shared machine: evict only when really short of memory or disk.
evictionHard: {memory.available: 100Mi, nodefs.available: 2%, imagefs.available: 2%}
imageGCHighThresholdPercent: 95
imageGCLowThresholdPercent: 90
maxPods: 110
# cluster-dns on the host side of the node's link: <service>.<namespace>.svc.cluster.local.
clusterDNS: [${host_ip}]
clusterDomain: cluster.local
EOF
  cat > "${state}/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: ${node_kubeconfig}}
hostnameOverride: ${node_name}
mode: iptables
clusterCIDR: ${pod_cidr}
bindAddress: ${node_ip}
metricsBindAddress: 127.0.0.1:10249
healthzBindAddress: 127.0.0.1:10256
# nf_conntrack_max is global to the host: leave it alone.
conntrack: {maxPerCore: 0, min: 0}
EOF
}

ensure_cgroups() {
  local c
  for c in /sys/fs/cgroup/*/; do
    [[ -e "${c}cgroup.procs" && ! -L "${c%/}" ]] || continue
    mkdir -p "${c}${cgroup}"
  done
}

# ------------------------------------------------------------ up

containerd_answers() { ctr --address "${sock}" version; }
kubelet_healthy() { in_node curl -fsS --max-time 2 http://127.0.0.1:10248/healthz; }
node_ready() {
  [[ "$("${bin}/kubectl" --kubeconfig "$1" get node "${node_name}" \
    -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" == True ]]
}

# The kubelet exits when containerd's CRI service is not initialized yet
# (containerd answers before it is, on a loaded machine): start it again.
start_kubelet() {
  local attempt
  for attempt in 1 2 3 4 5; do
    running_pid kubelet >/dev/null || spawn kubelet node "${bin}/kubelet" \
      --config "${state}/kubelet/config.yaml" --kubeconfig "${node_kubeconfig}" \
      --root-dir "${state}/kubelet/root" --cert-dir "${state}/kubelet/pki" \
      --hostname-override "${node_name}" --node-ip "${node_ip}" \
      --node-labels "pipeline-actions.dev/real-node=true" --v=1
    wait_until "kubelet health" 30 kubelet_healthy && return 0
    running_pid kubelet >/dev/null && break
    log "kubelet exited (attempt ${attempt}); starting it again"
    sleep 2
  done
  die "kubelet is not healthy; see ${logs}/kubelet.log"
}

cmd_up() { # admin kubeconfig, ca
  local admin="$1" ca="$2" api_port registry t0
  t0="$(date +%s.%N)"
  [[ -s "${admin}" && -s "${ca}" ]] || die "usage: real-node.sh up <admin-kubeconfig> <ca.crt>"
  for b in kubelet kube-proxy kubectl cluster-dns; do [[ -x "${bin}/${b}" ]] || die "${bin}/${b} is not built (tools/kube/build.sh)"; done
  install_missing
  api_port="$("${bin}/kubectl" --kubeconfig "${admin}" config view --minify -o jsonpath='{.clusters[0].cluster.server}' | sed 's/.*://')"
  registry="${CONTAINERS_REGISTRY:-127.0.0.1:5000}"
  mkdir -p "${state}" "${run}" "${logs}"
  ensure_network
  start_forwarders "${api_port}" "${registry##*:}"
  start_cluster_dns "${admin}"
  write_node_kubeconfig "${admin}" "${api_port}"
  write_containerd_config "${registry}"
  write_kubelet_config "${ca}"
  ensure_cgroups
  if ! running_pid containerd >/dev/null || ! cmp -s "${state}/containerd/config.toml" "${run}/containerd.config" ; then
    stop containerd
    cp "${state}/containerd/config.toml" "${run}/containerd.config"
    spawn containerd node containerd --config "${state}/containerd/config.toml"
  fi
  wait_until containerd 60 containerd_answers || die "containerd did not start; see ${logs}/containerd.log"
  local config_hash
  config_hash="$(cat "${state}/kubelet/config.yaml" "${state}/kube-proxy.yaml" "${node_kubeconfig}" | sha256sum | cut -c1-16)"
  if [[ "$(cat "${run}/agents.config" 2>/dev/null)" != "${config_hash}" ]]; then
    stop kubelet; stop kube-proxy
    echo "${config_hash}" > "${run}/agents.config"
  fi
  start_kubelet
  running_pid kube-proxy >/dev/null || spawn kube-proxy node "${bin}/kube-proxy" \
    --config "${state}/kube-proxy.yaml"
  wait_until "node ${node_name} Ready" 90 node_ready "${admin}" || die "node ${node_name} is not Ready; see ${logs}/kubelet.log"
  log "node ${node_name} Ready in $(awk -v a="${t0}" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}')s (netns ${netns}, ${node_ip}, pods ${pod_cidr})"
}

# ------------------------------------------------------------ down

# Every process in the node's cgroups and network namespace (only ours can be there).
kill_all_in_node() {
  local pids pid c
  for _ in 1 2 3; do
    pids="$(ip netns pids "${netns}" 2>/dev/null || true)"
    for c in /sys/fs/cgroup/*/"${cgroup}"; do
      [[ -d "${c}" ]] && pids+=" $(find "${c}" -name cgroup.procs -exec cat {} + 2>/dev/null | tr '\n' ' ')"
    done
    pids="$(echo "${pids}" | tr ' ' '\n' | { grep -E '^[0-9]+$' || true; } | sort -u | tr '\n' ' ')"
    [[ -n "${pids// /}" ]] || return 0
    for pid in ${pids}; do kill -9 "${pid}" 2>/dev/null || true; done
    sleep 0.5
  done
}

remove_cgroups() {
  local c
  for c in /sys/fs/cgroup/*/"${cgroup}"; do
    if [[ -d "${c}" ]]; then find "${c}" -depth -type d -exec rmdir {} + 2>/dev/null || true; fi
  done
}

unmount_state() {
  local m
  # Deepest first: snapshots, pod volumes, the pods' network namespaces.
  while read -r m; do umount -l "${m}" 2>/dev/null || true; done < <(
    awk -v s="${state}/" 'index($5, s) == 1 {print $5}' /proc/self/mountinfo | sort -r)
}

cmd_down() {
  # The Node object goes too (while the forwarder still runs), so that its pods are
  # garbage-collected and nothing waits for a node that will not come back.
  if [[ -s "${node_kubeconfig}" ]] && running_pid forward-api >/dev/null; then
    "${bin}/kubectl" --kubeconfig "${node_kubeconfig}" delete node "${node_name}" --request-timeout=5s \
      --wait=false >/dev/null 2>&1 || true
  fi
  stop kube-proxy
  stop kubelet
  # Sandboxes and containers go with their tasks: kill them while containerd runs.
  if containerd_answers >/dev/null 2>&1; then
    local c
    for c in $(ctr --address "${sock}" -n k8s.io tasks ls -q 2>/dev/null); do
      ctr --address "${sock}" -n k8s.io tasks kill -a -s SIGKILL "${c}" >/dev/null 2>&1 || true
    done
  fi
  stop containerd
  kill_all_in_node
  stop forward-api
  stop forward-registry
  stop cluster-dns
  unmount_state
  if ip netns list | grep -qw "^${netns}"; then
    ip netns del "${netns}"
    log "removed network namespace ${netns} (bridge, pod veths, iptables rules)"
  fi
  ip link del "${host_if}" 2>/dev/null || true
  remove_cgroups
  rm -rf "${run}" "${state}/containerd/root/io.containerd.runtime.v2.task" "${state}/cni/ipam"
  log "node ${node_name} is down (images kept under ${state}/containerd/root)"
}

cmd_status() {
  local ok=0 what pid
  for what in containerd kubelet kube-proxy forward-api forward-registry cluster-dns; do
    if pid="$(running_pid "${what}")"; then log "${what}: running (pid ${pid})"; else log "${what}: not running"; ok=1; fi
  done
  return "${ok}"
}

case "${1:-}" in
  up) shift; cmd_up "$@" ;;
  down) cmd_down ;;
  status) cmd_status ;;
  env)
    echo "REAL_NODE_NAME=${node_name}"
    echo "REAL_NODE_IP=${node_ip}"
    echo "REAL_NODE_POD_CIDR=${pod_cidr}"
    echo "REAL_NODE_NETNS=${netns}"
    echo "REAL_NODE_CONTAINERD=${sock}" ;;
  -h|--help) usage ;;
  *) usage; exit 2 ;;
esac
