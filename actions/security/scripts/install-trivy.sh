#!/usr/bin/env bash
# Builds Trivy from its Go module into actions/security/.tools/bin/trivy
# (git-ignored), for the security action's tests and benchmark.
#
# Idempotent and cached: nothing is done when .tools/bin/trivy exists and its
# stamp matches the requested version and the Go version. Go's module and build
# caches (go env GOMODCACHE / GOCACHE) make a rebuild after a version bump fast.
#
# Usage: actions/security/scripts/install-trivy.sh [--force]
# Env:   TRIVY_VERSION         module version (default below)
#        TRIVY_BUILD_PARALLEL  packages compiled at once (go build -p), default 1
#        TRIVY_BUILD_NICE      nice level for the compiler, default 10
# Prints the path of the binary on stdout; progress goes to stderr.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
version="${TRIVY_VERSION:-v0.74.0}"
bin="${here}/.tools/bin"
target="${bin}/trivy"
stamp="${bin}/.stamp-trivy"

force=0
for arg in "$@"; do
  case "${arg}" in
    --force) force=1 ;;
    -h|--help) sed -n '2,13p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "install-trivy.sh: unknown argument ${arg}" >&2; exit 2 ;;
  esac
done

if ! command -v go >/dev/null 2>&1; then
  echo "install-trivy.sh: go is not on PATH; install Go >= 1.25 to build Trivy ${version}" >&2
  exit 1
fi

# Trivy (>= v0.6x) imports encoding/json/v2, which Go 1.25/1.26 only builds
# with GOEXPERIMENT=jsonv2 (Trivy's own release build sets it too).
export GOEXPERIMENT="${GOEXPERIMENT:+${GOEXPERIMENT},}jsonv2"
key="trivy ${version} $(go env GOVERSION) $(go env GOOS)/$(go env GOARCH) GOEXPERIMENT=${GOEXPERIMENT}"
if [[ ${force} -eq 0 && -x "${target}" && -f "${stamp}" && "$(cat "${stamp}")" == "${key}" ]]; then
  echo "install-trivy.sh: ${target} is up to date (${key})" >&2
  echo "${target}"
  exit 0
fi

mkdir -p "${bin}"
started=$(date +%s)
echo "install-trivy.sh: building ${key} into ${bin} (go install -p ${TRIVY_BUILD_PARALLEL:-1})" >&2
# -s -w: no symbol table or DWARF (smaller binary, faster link).
GOBIN="${bin}" CGO_ENABLED=0 nice -n "${TRIVY_BUILD_NICE:-10}" \
  go install -p "${TRIVY_BUILD_PARALLEL:-1}" -trimpath -ldflags "-s -w -X github.com/aquasecurity/trivy/pkg/version/app.ver=${version#v}" \
  "github.com/aquasecurity/trivy/cmd/trivy@${version}" >&2
echo "${key}" > "${stamp}"
echo "install-trivy.sh: built ${target} in $(( $(date +%s) - started ))s" >&2
echo "${target}"
