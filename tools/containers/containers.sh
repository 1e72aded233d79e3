#!/usr/bin/env bash
# A local container toolchain for the pipeline, owned by this repository and
# reachable only on this machine: a Docker engine (dockerd on its own
# containerd), an OCI registry on 127.0.0.1, BuildKit (buildkitd) with the
# docker buildx plugin as the multi-platform builder, and the QEMU arm64
# binfmt handler. Nothing listens on TCP except the registry (127.0.0.1).
#
# Usage: tools/containers/containers.sh up|down|status|env
#   up      install missing Debian packages, build BuildKit/buildx if needed,
#           start (or reuse) everything; prints KEY=value lines to export and,
#           as the LAST line of stdout, the registry address host:port
#   down    stop what `up` started (by the PIDs in its pid files)
#   status  say what runs; exit 0 when everything answers, 1 otherwise
#   env     print the KEY=value lines again (exit 1 unless all is up)
#
# Env:
#   CONTAINERS_STATE_DIR      state directory (default <repo>/.tmp/containers)
#   CONTAINERS_REGISTRY_PORT  registry port on 127.0.0.1 (default: the one used
#                             before, else the first free of 5000-5009)
#   CONTAINERS_BUILDER        buildx builder name (default pipeline-actions)
#   CONTAINERS_BRIDGE         engine bridge (default pa-docker0)
#   CONTAINERS_BRIDGE_CIDR    its address (default 172.31.254.1/24)
#   CONTAINERS_UP_TIMEOUT     seconds to wait for each daemon (default 60)
#   CONTAINERS_NO_INSTALL=1   never run apt-get (fail if something is missing)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "${here}/../.." && pwd)"
bin="${here}/bin"
state="$(realpath -m "${CONTAINERS_STATE_DIR:-${root}/.tmp/containers}")"
builder="${CONTAINERS_BUILDER:-pipeline-actions}"
bridge="${CONTAINERS_BRIDGE:-pa-docker0}"
bridge_cidr="${CONTAINERS_BRIDGE_CIDR:-172.31.254.1/24}"
timeout="${CONTAINERS_UP_TIMEOUT:-60}"

run_dir="${state}/run"            # sockets and pid files
logs="${state}/logs"
docker_sock="${run_dir}/docker.sock"
containerd_sock="${run_dir}/containerd.sock"
buildkit_sock="${run_dir}/buildkitd.sock"
docker_config="${state}/docker-config"   # DOCKER_CONFIG: never ~/.docker

log() { echo "containers.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }
# shellcheck source=SCRIPTDIR/../common/system-packages.sh
. "${root}/tools/common/system-packages.sh"
usage() { awk 'NR>1 && /^#/ {sub(/^# ?/, ""); print; next} NR>1 {exit}' "${BASH_SOURCE[0]}" >&2; }
seconds() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(seconds)" 'BEGIN{printf "%.1f", b-a}'; }

lock() {
  mkdir -p "${state}"
  exec 8>"${state}/containers.flock"
  flock -w 600 8 || die "another containers.sh holds ${state}/containers.flock"
}

# ---------------------------------------------------------------- packages

# command -> Debian package that provides it
declare -A package_of=(
  [dockerd]=docker.io [containerd]=containerd [runc]=runc
  [docker-registry]=docker-registry [skopeo]=skopeo [mmdebstrap]=mmdebstrap
  [qemu-aarch64-static]=qemu-user-static [update-binfmts]=binfmt-support
  [arch-test]=arch-test [iptables]=iptables [curl]=curl [jq]=jq
)

install_missing() {
  local cmd
  packages_reset
  for cmd in "${!package_of[@]}"; do packages_need_command "${cmd}" "${package_of[${cmd}]}"; done
  # the docker CLI may come from elsewhere (a newer static one); the engine's
  # package brings one otherwise.
  packages_need_command docker docker.io
  packages_install "${CONTAINERS_NO_INSTALL:-0}" CONTAINERS_NO_INSTALL "the container toolchain"
}

# ---------------------------------------------------------------- processes

pidfile() { echo "${run_dir}/$1.pid"; }

# pid of a component when it runs and is ours: its command line names this
# state directory (a pid recorded earlier may since belong to another process).
running_pid() {
  local f pid
  f="$(pidfile "$1")"
  [[ -s "${f}" ]] || return 1
  pid="$(<"${f}")"
  [[ "${pid}" =~ ^[0-9]+$ && -r "/proc/${pid}/cmdline" ]] || return 1
  tr '\0' ' ' < "/proc/${pid}/cmdline" | grep -qF -- "${state}/" || return 1
  echo "${pid}"
}

# Start a daemon detached from this shell (its own session, no inherited lock
# fd, output to its log) and record its pid.
spawn() { # name, command...
  local name="$1"; shift
  mkdir -p "${logs}" "${run_dir}"
  setsid "$@" >>"${logs}/${name}.log" 2>&1 </dev/null 8>&- 9>&- &
  echo "$!" > "$(pidfile "${name}")"
}

wait_until() { # what, command...
  local what="$1" start; shift
  start="$(date +%s)"
  until "$@" >/dev/null 2>&1; do
    if (( $(date +%s) - start >= timeout )); then
      log "timed out after ${timeout}s waiting for ${what}"
      return 1
    fi
    sleep 0.3
  done
}

stop() { # name
  local name="$1" pid _
  if ! pid="$(running_pid "${name}")"; then
    rm -f "$(pidfile "${name}")"
    return 0
  fi
  log "stopping ${name} (pid ${pid})"
  kill "${pid}" 2>/dev/null || true
  for _ in $(seq 1 60); do
    running_pid "${name}" >/dev/null || break
    sleep 0.25
  done
  if running_pid "${name}" >/dev/null; then
    log "${name} (pid ${pid}) ignored SIGTERM for 15 s; killing it"
    kill -9 "${pid}" 2>/dev/null || true
  fi
  rm -f "$(pidfile "${name}")"
}

# ---------------------------------------------------------------- registry

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

choose_port() {
  local f="${state}/registry.port" p
  if [[ -n "${CONTAINERS_REGISTRY_PORT:-}" ]]; then
    [[ "${CONTAINERS_REGISTRY_PORT}" =~ ^[0-9]+$ ]] || \
      die "CONTAINERS_REGISTRY_PORT='${CONTAINERS_REGISTRY_PORT}' is not a port number"
    echo "${CONTAINERS_REGISTRY_PORT}" > "${f}"
  elif [[ ! -s "${f}" ]]; then
    for p in $(seq 5000 5009); do
      if ! port_busy "${p}"; then echo "${p}" > "${f}"; break; fi
    done
    [[ -s "${f}" ]] || die "ports 5000-5009 are all in use; set CONTAINERS_REGISTRY_PORT"
  fi
  cat "${f}"
}

registry_answers() { curl -fsS -o /dev/null --max-time 3 "http://${registry}/v2/"; }

start_registry() {
  mkdir -p "${state}/registry/data"
  local conf="${state}/registry/config.yml"
  cat > "${conf}.new" <<EOF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: ${state}/registry/data
  delete:
    enabled: true
http:
  addr: ${registry}
  headers:
    X-Content-Type-Options: [nosniff]
EOF
  if running_pid registry >/dev/null && cmp -s "${conf}.new" "${conf}" && registry_answers; then
    rm -f "${conf}.new"; return 0
  fi
  stop registry
  mv -f "${conf}.new" "${conf}"
  port_busy "${registry##*:}" && die "127.0.0.1:${registry##*:} is taken by another process; set CONTAINERS_REGISTRY_PORT"
  spawn registry docker-registry serve "${conf}"
  wait_until "the registry on ${registry}" registry_answers || die "registry did not start; see ${logs}/registry.log"
  log "registry: http://${registry} (storage ${state}/registry/data)"
}

# ---------------------------------------------------------------- binfmt

enable_arm64_emulation() {
  local handler=/proc/sys/fs/binfmt_misc/qemu-aarch64
  if [[ ! -e /proc/sys/fs/binfmt_misc/register ]]; then
    log "mounting binfmt_misc on /proc/sys/fs/binfmt_misc"
    mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
  fi
  if [[ ! -e "${handler}" ]] || ! grep -qx enabled "${handler}"; then
    log "enabling the qemu-aarch64 binfmt handler"
    update-binfmts --enable qemu-aarch64 >&2
  fi
  # F (fix binary): the kernel keeps the interpreter open, so it also works
  # inside containers whose root filesystem has no QEMU.
  grep -q '^flags: .*F' "${handler}" || die "qemu-aarch64 handler lacks the F flag: $(grep flags "${handler}")"
}

# ---------------------------------------------------------------- engine

ensure_bridge() {
  if ! ip link show "${bridge}" >/dev/null 2>&1; then
    log "creating bridge ${bridge} (${bridge_cidr})"
    ip link add name "${bridge}" type bridge
    echo "${bridge}" > "${state}/bridge.created"
  fi
  ip -4 addr show dev "${bridge}" | grep -qF "inet ${bridge_cidr}" || ip addr add "${bridge_cidr}" dev "${bridge}"
  ip link set "${bridge}" up
}

start_containerd() {
  local conf="${state}/containerd/config.toml"
  mkdir -p "${state}/containerd"
  cat > "${conf}.new" <<EOF
version = 2
root = "${state}/containerd/root"
state = "${run_dir}/containerd-state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "${containerd_sock}"
[ttrpc]
  address = "${containerd_sock}.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
EOF
  if running_pid containerd >/dev/null && cmp -s "${conf}.new" "${conf}"; then
    rm -f "${conf}.new"; return 0
  fi
  stop docker; stop containerd
  mv -f "${conf}.new" "${conf}"
  spawn containerd containerd --config "${conf}"
  wait_until "containerd" ctr --address "${containerd_sock}" version || die "containerd did not start; see ${logs}/containerd.log"
}

engine_answers() { DOCKER_HOST="unix://${docker_sock}" docker version --format '{{.Server.Version}}'; }

start_dockerd() {
  local conf="${state}/docker/daemon.json"
  mkdir -p "${state}/docker"
  # No TCP listener; no iptables rules or ip_forward change on this host: the
  # registry mirror is how `docker pull node:*` reaches the local registry.
  cat > "${conf}.new" <<EOF
{
  "hosts": ["unix://${docker_sock}"],
  "data-root": "${state}/docker/data",
  "exec-root": "${run_dir}/docker-exec",
  "pidfile": "${run_dir}/dockerd.pid",
  "containerd": "${containerd_sock}",
  "storage-driver": "overlay2",
  "bridge": "${bridge}",
  "iptables": false,
  "ip-forward": false,
  "ip-masq": false,
  "userland-proxy": true,
  "oom-score-adjust": 0,
  "registry-mirrors": ["http://${registry}"],
  "insecure-registries": ["${registry}"],
  "features": { "buildkit": true }
}
EOF
  if running_pid docker >/dev/null && cmp -s "${conf}.new" "${conf}" && engine_answers >/dev/null 2>&1; then
    rm -f "${conf}.new"; return 0
  fi
  stop docker
  mv -f "${conf}.new" "${conf}"
  spawn docker dockerd --config-file "${conf}"
  wait_until "dockerd" engine_answers || die "dockerd did not start; see ${logs}/docker.log"
  log "engine: dockerd $(engine_answers) on unix://${docker_sock}"
}

# ---------------------------------------------------------------- builder

buildkit_answers() { "${bin}/buildctl" --addr "unix://${buildkit_sock}" debug workers; }

start_buildkitd() {
  local conf="${state}/buildkit/buildkitd.toml"
  mkdir -p "${state}/buildkit"
  # Mirrors make FROM node:* and FROM gcr.io/distroless/* resolve through the
  # local registry; plain HTTP for it (loopback only).
  cat > "${conf}.new" <<EOF
root = "${state}/buildkit/root"
[grpc]
  address = ["unix://${buildkit_sock}"]
[worker.oci]
  enabled = true
  binary = "runc"
  platforms = ["linux/amd64", "linux/arm64"]
  gc = true
  gckeepstorage = "10GB"
[worker.containerd]
  enabled = false
[registry."docker.io"]
  mirrors = ["${registry}"]
[registry."gcr.io"]
  mirrors = ["${registry}"]
[registry."${registry}"]
  http = true
EOF
  if running_pid buildkitd >/dev/null && cmp -s "${conf}.new" "${conf}" && buildkit_answers >/dev/null 2>&1; then
    rm -f "${conf}.new"; return 0
  fi
  stop buildkitd
  mv -f "${conf}.new" "${conf}"
  spawn buildkitd "${bin}/buildkitd" --config "${conf}"
  wait_until "buildkitd" buildkit_answers || die "buildkitd did not start; see ${logs}/buildkitd.log"
  log "builder: buildkitd $("${bin}/buildkitd" --version | awk '{print $3}') on unix://${buildkit_sock}"
}

buildx() { DOCKER_CONFIG="${docker_config}" DOCKER_HOST="unix://${docker_sock}" docker buildx "$@"; }

ensure_buildx_builder() {
  mkdir -p "${docker_config}/cli-plugins"
  ln -sfn "${bin}/buildx" "${docker_config}/cli-plugins/docker-buildx"
  [[ -s "${docker_config}/config.json" ]] || echo '{}' > "${docker_config}/config.json"
  if ! buildx inspect "${builder}" >/dev/null 2>&1; then
    buildx create --name "${builder}" --driver remote "unix://${buildkit_sock}" >&2
  fi
  buildx use "${builder}" >&2
  buildx inspect --bootstrap "${builder}" >/dev/null
}

# ---------------------------------------------------------------- commands

# Upstream names the registry holds a local stand-in for (base-images.sh),
# comma-separated: reports that used one must say so.
stand_ins() {
  local major pairs pair repo tag found=()
  major="$(jq -r '.packages["node_modules/node"].version // "24" | split(".")[0]' "${root}/package-lock.json" 2>/dev/null || echo 24)"
  pairs="library/node:${major}-bookworm-slim=docker.io/library/node:${major}-bookworm-slim
library/node:${major}-slim=docker.io/library/node:${major}-slim
distroless/nodejs${major}-debian12:latest=gcr.io/distroless/nodejs${major}-debian12:latest
distroless/nodejs${major}-debian12:nonroot=gcr.io/distroless/nodejs${major}-debian12:nonroot
docker/dockerfile:1=docker.io/docker/dockerfile:1
library/postgres:17-alpine=docker.io/library/postgres:17-alpine
library/redis:7-alpine=docker.io/library/redis:7-alpine"
  while IFS= read -r pair; do
    repo="${pair%%:*}"; tag="${pair#*:}"; tag="${tag%%=*}"
    if curl -fsS --max-time 3 "http://${registry}/v2/${repo}/tags/list" 2>/dev/null |
        jq -e --arg t "${tag}" '.tags // [] | index($t)' >/dev/null; then
      found+=("${pair#*=}")
    fi
  done <<<"${pairs}"
  local IFS=,
  echo "${found[*]}"
}

print_env() {
  echo "DOCKER_HOST=unix://${docker_sock}"
  echo "DOCKER_CONFIG=${docker_config}"
  echo "BUILDKIT_HOST=unix://${buildkit_sock}"
  echo "BUILDX_BUILDER=${builder}"
  echo "CONTAINERS_REGISTRY=${registry}"
  echo "CONTAINERS_BIN=${bin}"
  echo "STAND_IN_IMAGES=$(stand_ins)"
  echo "${registry}"
}

cmd_up() {
  local t0; t0="$(seconds)"
  install_missing
  "${here}/build.sh" >&2
  lock
  registry="127.0.0.1:$(choose_port)"
  start_registry
  enable_arm64_emulation
  ensure_bridge
  start_containerd
  start_dockerd
  start_buildkitd
  ensure_buildx_builder
  log "up in $(since "${t0}")s; state under ${state}"
  print_env
}

cmd_down() {
  lock
  stop buildkitd
  stop docker
  stop containerd
  stop registry
  if [[ -s "${state}/bridge.created" ]]; then
    ip link del "$(<"${state}/bridge.created")" 2>/dev/null || true
    rm -f "${state}/bridge.created"
  fi
  log "down (images, registry data and build cache are kept under ${state})"
}

cmd_status() {
  local ok=0 name pid
  registry="127.0.0.1:$(cat "${state}/registry.port" 2>/dev/null || echo 5000)"
  for name in registry containerd docker buildkitd; do
    if pid="$(running_pid "${name}")"; then log "${name}: running (pid ${pid})"
    else log "${name}: not running"; ok=1; fi
  done
  registry_answers 2>/dev/null && log "registry answers on http://${registry}/v2/" || ok=1
  engine_answers >/dev/null 2>&1 && log "engine answers on unix://${docker_sock}" || ok=1
  buildkit_answers >/dev/null 2>&1 && log "buildkitd answers on unix://${buildkit_sock}" || ok=1
  if [[ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]] && grep -qx enabled /proc/sys/fs/binfmt_misc/qemu-aarch64; then
    log "binfmt: qemu-aarch64 enabled"
  else
    log "binfmt: qemu-aarch64 not enabled"; ok=1
  fi
  return "${ok}"
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  env)
    if cmd_status 2>/dev/null; then print_env; else log "not up"; exit 1; fi ;;
  -h|--help) usage ;;
  *) usage; exit 2 ;;
esac
