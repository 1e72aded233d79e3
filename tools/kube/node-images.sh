#!/usr/bin/env bash
# Images the real node needs, built here (no public registry is reachable)
# for linux/amd64 and linux/arm64 from node-images/ (Go, standard library
# only) and pushed to the local registry (tools/containers):
#   pause:3.10, pause:3.9        for registry.k8s.io/pause:* (the pod sandbox
#                                image; the containerd of real-node.sh mirrors
#                                registry.k8s.io to the local registry)
#   pipeline-actions/testapp:v1, :v2
#                                the deploy tests' HTTP server (node-images/
#                                testapp); the tags differ in content, so in digest
# Each image carries the hash of its inputs as a label; an image whose label
# matches in the registry is not rebuilt (a no-op run takes about a second).
#
# Usage: tools/kube/node-images.sh [--force] [--testapp-only]
#   --testapp-only   build only testapp (not pause)
#   TESTAPP_REPOSITORY=<name>  push testapp under this repository name instead of
#                    pipeline-actions/testapp (a variant that must not re-tag the
#                    shared image while other runs use it)
# Needs: tools/containers/containers.sh up (BuildKit and the registry), Go.
# stdout: one line per image: <registry>/<name>:<tag> <digest>
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "${here}/../.." && pwd)"
src="${here}/node-images"
work="$(realpath -m "${KUBE_STATE_DIR:-${root}/.tmp/kube}")/node-images"
label=io.pipeline-actions.node-image-inputs
platforms=(amd64 arm64)

log() { echo "node-images.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }
seconds() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(seconds)" 'BEGIN{printf "%.1f", b-a}'; }
hash_of() { printf '%s\n' "$@" | sha256sum | cut -c1-16; }

force=0
testapp_only=0
for arg in "$@"; do
  case "${arg}" in
    --force) force=1 ;;
    --testapp-only) testapp_only=1 ;;
    -h|--help) awk 'NR>1 && /^#/ {sub(/^# ?/, ""); print; next} NR>1 {exit}' "${BASH_SOURCE[0]}" >&2; exit 0 ;;
    *) die "unknown argument '${arg}' (accepted: --force, --testapp-only)" ;;
  esac
done

# KEY=value lines of `containers.sh env`, read without evaluating them.
declare -A env_of=()
while IFS='=' read -r key value; do
  [[ -n "${value}" ]] && env_of[${key}]="${value}"
done < <("${root}/tools/containers/containers.sh" env 2>/dev/null | grep '=' || true)
[[ -n "${env_of[BUILDKIT_HOST]:-}" ]] || die "the builder is not up: run tools/containers/containers.sh up"
registry="${env_of[CONTAINERS_REGISTRY]}"
buildctl() { "${env_of[CONTAINERS_BIN]}/buildctl" --addr "${env_of[BUILDKIT_HOST]}" "$@"; }
skopeo_() { skopeo "$@" --tls-verify=false; }

label_in_registry() { # ref
  skopeo_ inspect --override-os linux --override-arch amd64 "docker://$1" 2>/dev/null |
    jq -r --arg l "${label}" '.Labels[$l] // empty'
}
digest_of() { skopeo_ inspect --raw "docker://$1" | sha256sum | awk '{print "sha256:" $1}'; }

# Static binaries of program $1 for both platforms into $2; extra go flags after.
compile() { # program, out dir, ldflags
  local arch
  for arch in "${platforms[@]}"; do
    (cd "${src}" && CGO_ENABLED=0 GOOS=linux GOARCH="${arch}" nice -n 10 \
      go build -trimpath -buildvcs=false -ldflags "-s -w $3" -o "$2/$1-${arch}" "./$1")
  done
}

# FROM scratch image of one static program, pushed as the refs in $3 (comma-separated).
image() { # program, hash, refs, entrypoint json, ldflags, user
  local program="$1" hash="$2" refs="$3" ctx="${work}/ctx-$1-$2"
  rm -rf "${ctx}"; mkdir -p "${ctx}"
  compile "${program}" "${ctx}" "$5"
  cat > "${ctx}/Dockerfile" <<DOCKERFILE
FROM scratch
ARG TARGETARCH
COPY ${program}-\${TARGETARCH} /${program}
LABEL ${label}="${hash}"
USER $6
ENTRYPOINT $4
DOCKERFILE
  buildctl build --frontend dockerfile.v0 --local context="${ctx}" --local dockerfile="${ctx}" \
    --opt platform=linux/amd64,linux/arm64 \
    --output "type=image,\"name=${refs}\",push=true,registry.insecure=true" \
    --progress plain >"${ctx}.log" 2>&1 || { tail -n 30 "${ctx}.log" >&2; die "build of ${refs} failed (log: ${ctx}.log)"; }
  rm -rf "${ctx}"
}

ensure() { # program, tag list, entrypoint json, ldflags, user
  local program="$1" tags="$2" entry="$3" ldflags="$4" user="$5" hash first ref t
  hash="$(hash_of "$(sha256sum < "${BASH_SOURCE[0]}")" "$(cat "${src}/go.mod" "${src}/${program}"/*.go | sha256sum)" \
    "$(go env GOVERSION)" "${ldflags}" "${user}")"
  first="${tags%%,*}"
  t="$(seconds)"
  if [[ ${force} -eq 0 && "$(label_in_registry "${first}")" == "${hash}" ]]; then
    log "${first}: up to date"
  else
    log "building ${tags}"
    image "${program}" "${hash}" "${tags}" "${entry}" "${ldflags}" "${user}"
    log "${tags}: $(since "${t}")s"
  fi
  for ref in ${tags//,/ }; do echo "${ref} $(digest_of "${ref}")"; done
}

mkdir -p "${work}"
started="$(seconds)"
# Unprivileged users, as upstream's images (pause: 65535).
testapp_repository="${TESTAPP_REPOSITORY:-pipeline-actions/testapp}"
[[ "${testapp_repository}" =~ ^[a-z0-9]+([._/-][a-z0-9]+)*$ ]] || die "TESTAPP_REPOSITORY '${testapp_repository}' is not a repository name (lowercase letters, digits, . _ - /)"
[[ ${testapp_only} -eq 1 ]] || ensure pause "${registry}/pause:3.10,${registry}/pause:3.9" '["/pause"]' "" 65535:65535
for version in v1 v2; do
  ensure testapp "${registry}/${testapp_repository}:${version}" '["/testapp"]' "-X main.version=${version}" 65532:65532
done
log "done in $(since "${started}")s"
