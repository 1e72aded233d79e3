#!/usr/bin/env bash
# Build the image builder binaries into tools/containers/bin/ from the Go
# modules pinned in tools/containers/go.mod:
#   buildkitd buildctl   (github.com/moby/buildkit)
#   buildx               (github.com/docker/buildx; installed by containers.sh
#                         as the docker CLI plugin `docker-buildx`)
#   dockerfile-frontend  (buildkit's Dockerfile frontend; base-images.sh wraps
#                         it as the image `# syntax=docker/dockerfile:1` names)
#
# Cached: a binary is rebuilt only when bin/.stamp-<name> differs from the
# current build key (go.mod, go.sum, Go version, tags, flags). Compiles come
# from Go's own build cache (go env GOCACHE) when it is warm.
#
# Usage: tools/containers/build.sh [--force] [name...]
# Env:   CONTAINERS_BUILD_PARALLEL  go build -p (packages at once), default 2
#        CONTAINERS_BUILD_NICE      nice level of the compiler, default 10
# All output goes to stderr.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin="${here}/bin"
mkdir -p "${bin}"
exec 1>&2

log() { echo "build.sh: $*"; }
usage() { awk 'NR>1 && /^#/ {sub(/^# ?/, ""); print; next} NR>1 {exit}' "${BASH_SOURCE[0]}"; }

force=0
wanted=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --force) force=1 ;;
    -h|--help) usage; exit 0 ;;
    -*) log "unknown option $1"; usage; exit 2 ;;
    *) wanted+=("$1") ;;
  esac
  shift
done

command -v go >/dev/null 2>&1 || {
  log "go is not on PATH (go.mod asks for $(awk '/^go /{print $2}' "${here}/go.mod"))"
  exit 1
}

# go.mod is the one place the versions are written.
pinned() { awk -v m="$1" '$1==m && $2 ~ /^v/ {print $2; exit}' "${here}/go.mod"; }
buildkit_version="$(pinned github.com/moby/buildkit)"
buildx_version="$(pinned github.com/docker/buildx)"
[[ -n "${buildkit_version}" && -n "${buildx_version}" ]] || { log "no buildkit/buildx version in go.mod"; exit 1; }
# The Dockerfile syntax version this buildkit carries (frontend/dockerfile/version).
# On a fresh machine the module is not in the cache yet: download it first.
(cd "${here}" && go mod download github.com/moby/buildkit) || { log "go mod download github.com/moby/buildkit failed"; exit 1; }
frontend_version="$(sed -n 's/^const version = "\(.*\)"$/\1/p' \
  "$(go env GOMODCACHE)/github.com/moby/buildkit@${buildkit_version}/frontend/dockerfile/version/version.go" 2>/dev/null || true)"
[[ -n "${frontend_version}" ]] || { log "no Dockerfile frontend version in github.com/moby/buildkit@${buildkit_version}"; exit 1; }

declare -A main_pkg=(
  [buildkitd]=github.com/moby/buildkit/cmd/buildkitd
  [buildctl]=github.com/moby/buildkit/cmd/buildctl
  [buildx]=github.com/docker/buildx/cmd/buildx
  [dockerfile-frontend]=github.com/moby/buildkit/frontend/dockerfile/cmd/dockerfile-frontend
)
all=(buildctl buildx buildkitd dockerfile-frontend)
[[ ${#wanted[@]} -gt 0 ]] || wanted=("${all[@]}")

# The version strings the upstream release builds stamp in (`buildkitd
# --version`, `docker buildx version`); tags as upstream builds buildkitd.
version_flags() { # module path, version
  echo "-X $1/version.Version=$2 -X $1/version.Revision=$2 -X $1/version.Package=$1"
}
ldflags_of() {
  case "$1" in
    buildx) echo "-s -w $(version_flags github.com/docker/buildx "${buildx_version}")" ;;
    dockerfile-frontend)
      echo "-s -w -X main.Version=${frontend_version} -X main.Revision=${buildkit_version} -X main.Package=${main_pkg[$1]}" ;;
    *) echo "-s -w $(version_flags github.com/moby/buildkit "${buildkit_version}")" ;;
  esac
}
tags_of() {
  case "$1" in
    buildkitd) echo "osusergo netgo static_build seccomp" ;;
    dockerfile-frontend) echo "netgo static_build osusergo" ;;
    *) echo "" ;;
  esac
}

export CGO_ENABLED=0
jobs="${CONTAINERS_BUILD_PARALLEL:-2}"
niceness="${CONTAINERS_BUILD_NICE:-10}"
go_version="$(go env GOVERSION)"
inputs="$(cat "${here}/go.mod" "${here}/go.sum" | sha256sum | cut -c1-16)"

# Two callers (containers.sh up run twice at once) must not race on bin/.
exec 9>"${bin}/.build.lock"
flock 9

seconds() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(seconds)" 'BEGIN{printf "%.1f", b-a}'; }

cd "${here}"
log "buildkit ${buildkit_version}, buildx ${buildx_version}, ${go_version}, GOCACHE=$(go env GOCACHE)"
started="$(seconds)"
t="$(seconds)"
go mod download
log "go mod download: $(since "${t}")s"

count=0
for name in "${wanted[@]}"; do
  [[ -n "${main_pkg[${name}]:-}" ]] || { log "unknown binary ${name} (known: ${all[*]})"; exit 2; }
  ldflags="$(ldflags_of "${name}")"
  tags="$(tags_of "${name}")"
  key="${name} ${main_pkg[${name}]} ${inputs} ${go_version} CGO_ENABLED=0 -trimpath tags=[${tags}] ${ldflags}"
  stamp="${bin}/.stamp-${name}"
  if [[ ${force} -eq 0 && -x "${bin}/${name}" && "$(cat "${stamp}" 2>/dev/null)" == "${key}" ]]; then
    log "${name}: up to date"
    continue
  fi
  rm -f "${stamp}"
  t="$(seconds)"
  nice -n "${niceness}" go build -trimpath -p "${jobs}" -tags "${tags}" -ldflags "${ldflags}" \
    -o "${bin}/${name}.new" "${main_pkg[${name}]}"
  mv -f "${bin}/${name}.new" "${bin}/${name}"
  printf '%s\n' "${key}" > "${stamp}"
  count=$((count + 1))
  log "${name}: built in $(since "${t}")s ($(du -m "${bin}/${name}" | cut -f1) MB)"
done
log "done: ${count} built, $(since "${started}")s in all"
