#!/usr/bin/env bash
# Prometheus and promtool from Debian's `prometheus` package, unpacked into
# tools/monitoring/bin/ (git-ignored) without installing the package: no
# service is set up or started, nothing outside this folder changes. The
# binaries need only the C library. The version is the one the machine's apt
# sources serve (bookworm: 2.42.0); the stand-in image (prometheus-image.sh)
# is made from the same package.
#
# Usage: tools/monitoring/prometheus.sh install|version
#   install  download and unpack the package when bin/ lacks it or holds
#            another version; the last stdout line is the bin directory
#   version  print the package version apt would fetch
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin="${here}/bin"

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

case "${1:-}" in
  install) cmd_install ;;
  version) candidate ;;
  *) awk 'NR>1 && /^#/ {sub(/^# ?/, ""); print; next} NR>1 {exit}' "${BASH_SOURCE[0]}" >&2; exit 2 ;;
esac
