#!/usr/bin/env bash
# Installs the linters, idempotently and cached:
#   actionlint  go install github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION
#               into tools/linters/bin (git-ignored); Go's module and build caches
#               make a second install instant
#   ShellCheck  Debian's package via apt-get when missing (run.sh checks every shell
#               script with it; actionlint runs it on workflow run: scripts)
#   zizmor      from PyPI into tools/linters/.venv (or pip --user when venv is unavailable)
# Prints nothing but progress on stderr; exits non-zero with the failing step.
set -euo pipefail

here="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=SCRIPTDIR/versions.env
source "$here/versions.env"
bin="$here/bin"
venv="$here/.venv"
log() { printf 'linters: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

mkdir -p "$bin"

# ---- actionlint
have_actionlint() {
  [[ -x "$bin/actionlint" ]] && [[ "$("$bin/actionlint" -version 2>/dev/null | head -n1)" == "$ACTIONLINT_VERSION" ]]
}
if have_actionlint; then
  log "actionlint $ACTIONLINT_VERSION present"
else
  command -v go >/dev/null || die "go is required to build actionlint (install Go >= 1.24)"
  log "go install github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION"
  GOBIN="$bin" GOFLAGS=-mod=mod go install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION" \
    || die "go install of actionlint failed"
  have_actionlint || die "actionlint was installed but does not report $ACTIONLINT_VERSION"
fi

# ---- shellcheck
if command -v shellcheck >/dev/null; then
  log "shellcheck $(shellcheck --version | awk '/^version:/{print $2}') present"
else
  command -v apt-get >/dev/null || die "shellcheck is missing and apt-get is unavailable: install shellcheck by hand"
  log "apt-get install shellcheck"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends shellcheck >/dev/null 2>&1; then
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends shellcheck >/dev/null
  fi
  command -v shellcheck >/dev/null || die "shellcheck not found after apt-get install"
fi

# ---- zizmor
zizmor_bin() {
  if [[ -x "$venv/bin/zizmor" ]]; then printf '%s\n' "$venv/bin/zizmor"; return 0; fi
  local user_bin
  user_bin="$(python3 -m site --user-base 2>/dev/null)/bin/zizmor"
  if [[ -x "$user_bin" ]]; then printf '%s\n' "$user_bin"; return 0; fi
  return 1
}
have_zizmor() {
  local z
  z="$(zizmor_bin)" || return 1
  [[ "$("$z" --version 2>/dev/null)" == "zizmor $ZIZMOR_VERSION" ]]
}
if have_zizmor; then
  log "zizmor $ZIZMOR_VERSION present"
else
  command -v python3 >/dev/null || die "python3 is required to install zizmor"
  if python3 -m venv "$venv" >/dev/null 2>&1 && [[ -x "$venv/bin/pip" ]]; then
    log "pip install zizmor==$ZIZMOR_VERSION (into $venv)"
    "$venv/bin/pip" install -q --disable-pip-version-check "zizmor==$ZIZMOR_VERSION" || die "pip install zizmor failed"
  else
    rm -rf "$venv"
    log "pip install --user zizmor==$ZIZMOR_VERSION (python3 -m venv unavailable)"
    python3 -m pip install -q --user --disable-pip-version-check "zizmor==$ZIZMOR_VERSION" || die "pip install --user zizmor failed"
  fi
  have_zizmor || die "zizmor was installed but does not report $ZIZMOR_VERSION"
fi
