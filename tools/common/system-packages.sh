# shellcheck shell=bash
# System packages for the tools' scripts, one way: collect what is missing,
# print every package with the reason before installing it, refuse when the
# caller's no-install switch is on, and retry once after `apt-get update`
# (a stale package list is the usual reason for a failed install).
#
# Sourced; the caller defines log() and die(). Usage:
#   packages_reset
#   packages_need_command runc runc
#   packages_need containernetworking-plugins "the node's bridge CNI"
#   packages_install "${KUBE_NO_INSTALL:-0}" KUBE_NO_INSTALL "the real node"

packages_reset() {
  PACKAGES_MISSING=()
  PACKAGES_WHY=()
}

packages_need() { # package, why
  PACKAGES_MISSING+=("$1")
  PACKAGES_WHY+=("$1 ($2)")
}

packages_need_command() { # command, package
  command -v "$1" >/dev/null 2>&1 || packages_need "$2" "for $1"
}

packages_install() { # no-install (0|1), the switch's name, what they are for
  local no_install="$1" switch="$2" what="$3"
  [[ ${#PACKAGES_MISSING[@]} -eq 0 ]] && return 0
  local missing why listed
  mapfile -t missing < <(printf '%s\n' "${PACKAGES_MISSING[@]}" | sort -u)
  mapfile -t why < <(printf '%s\n' "${PACKAGES_WHY[@]}" | sort -u)
  printf -v listed '%s, ' "${why[@]}"
  listed="${listed%, }"
  [[ "${no_install}" == 1 ]] &&
    die "missing system packages for ${what}: ${listed}; not installed because ${switch}=1 (--no-install): install them, or run without --no-install"
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found; install ${listed} by hand"
  log "installing system packages: ${listed} with apt-get"
  local apt=(apt-get -o DPkg::Lock::Timeout=600 -y -qq --no-install-recommends)
  if ! DEBIAN_FRONTEND=noninteractive "${apt[@]}" install "${missing[@]}" >&2; then
    log "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 -qq update >&2
    DEBIAN_FRONTEND=noninteractive "${apt[@]}" install "${missing[@]}" >&2
  fi
  packages_reset
}

packages_reset
