#!/usr/bin/env bash
# A local stand-in for the Prometheus image (docker.io/prom/prometheus), made
# from Debian's `prometheus` package the way tools/containers/base-images.sh
# makes the distroless stand-in: `mmdebstrap --variant=extract` unpacks the
# package and what apt resolves for it, distroless-rootfs.sh keeps only the
# packages named below (no shell, no package manager, no maintainer script
# ran), and BuildKit pushes it to the local registry as
#   prom/prometheus:v<version>   for docker.io/prom/prometheus:v<version>
# linux/amd64 only (the node it runs on). It runs as nobody (65534) with its
# data in /prometheus, as upstream; mount a config at
# /etc/prometheus/prometheus.yml. An image whose inputs label matches in the
# registry is not rebuilt.
#
# Usage: tools/monitoring/prometheus-image.sh [--force]
# Needs: tools/containers/containers.sh up (the builder and the registry).
# Stdout: one line, the pushed reference, its inputs hash and size.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "${here}/../.." && pwd)"
containers="${root}/tools/containers"
work="${root}/.tmp/prometheus-image"
label=io.pipeline-actions.base-inputs
suite=bookworm
# What the binary needs (the C library), what distroless ships, and the web
# UI's JavaScript and fonts that Debian keeps in their own packages.
keep_base="base-files netbase tzdata ca-certificates libc6 libgcc-s1 gcc-12-base prometheus"

log() { echo "prometheus-image.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }

force=0
case "${1:-}" in
  --force) force=1 ;;
  "") ;;
  -h|--help) awk 'NR>1 && /^#/ {sub(/^# ?/, ""); print; next} NR>1 {exit}' "${BASH_SOURCE[0]}" >&2; exit 0 ;;
  *) die "unknown argument '$1' (accepted: --force)" ;;
esac

declare -A env_of=()
while IFS='=' read -r key value; do
  [[ -n "${value}" ]] && env_of[${key}]="${value}"
done < <("${containers}/containers.sh" env 2>/dev/null | grep '=' || true)
[[ -n "${env_of[BUILDKIT_HOST]:-}" ]] || die "the builder is not up: run tools/containers/containers.sh up"
registry="${env_of[CONTAINERS_REGISTRY]}"
buildctl() { "${env_of[CONTAINERS_BIN]}/buildctl" --addr "${env_of[BUILDKIT_HOST]}" "$@"; }

sources=""
for f in /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list; do
  if [[ -s "${f}" ]]; then sources="${f}"; break; fi
done
[[ -s "${sources}" ]] || die "no apt sources file"

version="$("${here}/prometheus.sh" version)"   # e.g. 2.42.0+ds-5+deb12u1
upstream="${version%%+*}"; upstream="${upstream%%-*}"
ref="${registry}/prom/prometheus:v${upstream}"
hash="$(printf '%s\n' "${version}" "${suite}" "${keep_base}" "$(sha256sum < "${BASH_SOURCE[0]}")" \
  "$(sha256sum < "${containers}/distroless-rootfs.sh")" "$(sha256sum < "${sources}")" | sha256sum | cut -c1-16)"

if [[ ${force} -eq 0 ]] && [[ "$(skopeo inspect --tls-verify=false "docker://${ref}" 2>/dev/null | jq -r --arg l "${label}" '.Labels[$l] // empty')" == "${hash}" ]]; then
  log "${ref}: up to date"
else
  mkdir -p "${work}"
  rm -rf "${work}/rootfs" "${work}/ctx"
  log "mmdebstrap extract prometheus=${version} (${suite} amd64)"
  nice -n 10 mmdebstrap --variant=extract --architectures=amd64 "--include=prometheus=${version},base-files,netbase,tzdata,ca-certificates" \
    --skip=cleanup/apt/cache --format=directory \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    "${suite}" "${work}/rootfs" "${sources}" </dev/null >"${work}/mmdebstrap.log" 2>&1 || {
      tail -n 20 "${work}/mmdebstrap.log" >&2; die "mmdebstrap failed (log: ${work}/mmdebstrap.log)"; }
  # The UI's assets: every libjs-*/fonts-* package apt brought along.
  keep="${keep_base}"
  for deb in "${work}/rootfs/var/cache/apt/archives/"*.deb; do
    pkg="$(dpkg-deb --field "${deb}" Package)"
    [[ "${pkg}" == libjs-* || "${pkg}" == fonts-* || "${pkg}" == node-* ]] && keep+=" ${pkg}"
  done
  KEEP="${keep}" "${containers}/distroless-rootfs.sh" "${work}/rootfs"
  rm -rf "${work}/rootfs/var/cache/apt" "${work}/rootfs/var/lib/apt"
  install -d -o 65534 -g 65534 "${work}/rootfs/prometheus"
  # Upstream's default: scrape itself.
  cat > "${work}/rootfs/etc/prometheus/prometheus.yml" <<'YAML'
global:
  scrape_interval: 15s
scrape_configs:
  - job_name: prometheus
    static_configs:
      - targets: ['localhost:9090']
YAML
  mkdir -p "${work}/ctx"
  tar --numeric-owner --sort=name -C "${work}/rootfs" -cf "${work}/ctx/rootfs.tar" .
  cat > "${work}/ctx/Dockerfile" <<EOF
FROM scratch
ADD rootfs.tar /
LABEL ${label}="${hash}" \\
      io.pipeline-actions.stand-in="docker.io/prom/prometheus:v${upstream}" \\
      org.opencontainers.image.version="${version}"
USER 65534
WORKDIR /prometheus
EXPOSE 9090
VOLUME ["/prometheus"]
ENTRYPOINT ["/usr/bin/prometheus"]
CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus", "--web.listen-address=:9090"]
EOF
  log "building ${ref}"
  buildctl build --frontend dockerfile.v0 --local context="${work}/ctx" --local dockerfile="${work}/ctx" \
    --opt platform=linux/amd64 \
    --output "type=image,\"name=${ref}\",push=true,registry.insecure=true" \
    --progress plain >"${work}/build.log" 2>&1 || { tail -n 20 "${work}/build.log" >&2; die "build failed (log: ${work}/build.log)"; }
  rm -rf "${work}/rootfs"
fi
bytes="$(skopeo inspect --tls-verify=false --raw "docker://${ref}" | jq '[.layers[]?.size] | add // 0')"
echo "${ref} inputs=${hash} amd64=$(awk -v b="${bytes}" 'BEGIN{printf "%.1fMB", b/1e6}')"
