#!/usr/bin/env bash
# Local stand-ins for the base images Node services build FROM, made from
# Debian packages and the Node binaries npm serves (no public image registry
# is reachable), for linux/amd64 and linux/arm64, pushed to the local registry
# as multi-platform indexes under the paths the registry mirrors serve:
#   library/node:24-bookworm-slim           for docker.io/library/node:24-bookworm-slim (and node:24-slim)
#   distroless/nodejs24-debian12:latest     for gcr.io/distroless/nodejs24-debian12
#   distroless/nodejs24-debian12:nonroot    for gcr.io/distroless/nodejs24-debian12:nonroot
#   docker/dockerfile:1                     for `# syntax=docker/dockerfile:1`
#                                           (this BuildKit's own Dockerfile frontend)
# and, only when named (the real node's workloads need them: the staging
# overlay's in-cluster database and cache; tools/kube/cluster.sh --real-node):
#   library/postgres:17-alpine              for docker.io/library/postgres:17-alpine
#                                           (Debian's PostgreSQL, bookworm's major,
#                                           with the upstream entrypoint's contract:
#                                           POSTGRES_USER/_PASSWORD/_DB, PGDATA)
#   library/redis:7-alpine                  for docker.io/library/redis:7-alpine
#                                           (Debian's redis-server)
# The Node major in the tags and the Node version in the images come from the
# root package-lock.json (the `node` package). Each image carries the hash of
# its inputs as a label; an image whose label matches in the registry (for
# every platform) is not rebuilt. The engine also gets the gcr.io names tagged
# locally (dockerd has no registry mirror for gcr.io).
#
# Usage: tools/containers/base-images.sh [--force] [--inputs-only] [node|distroless|frontend|postgres|redis...]
#   --inputs-only  only make the cached inputs (root filesystems, npm tarballs);
#                  needs no builder, so it can run while BuildKit compiles
# Needs: tools/containers/containers.sh up (the builder and the registry).
# Env:   BASE_NPM_VERSION   npm put in the node image (default: `npm --version`)
#        BASE_APT_SOURCES   apt sources file for mmdebstrap (default: the host's)
#        BASE_CACHE_DIR     root filesystems and npm tarballs (default:
#                           ~/.cache/pipeline-actions/base-images; shared by clones)
#        BASE_CA_BUNDLE     CA bundle the node image trusts (default: the host's
#                           /etc/ssl/certs/ca-certificates.crt; empty: Debian's own).
#                           This machine reaches the npm registry through a TLS-
#                           inspecting proxy whose CA only the host's bundle has,
#                           so `RUN npm ci` in a build needs it.
# Progress goes to stderr; stdout gets one line per image: ref, inputs hash,
# compressed size per platform.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "${here}/../.." && pwd)"
state="$(realpath -m "${CONTAINERS_STATE_DIR:-${root}/.tmp/containers}")"
work="${state}/base"
# Root filesystems and npm tarballs are build inputs named by the hash of what
# makes them, so they live in the user's cache (like Go's build cache) and a
# fresh clone reuses them instead of running mmdebstrap again.
cache="$(realpath -m "${BASE_CACHE_DIR:-${XDG_CACHE_HOME:-${HOME}/.cache}/pipeline-actions/base-images}")"
platforms=(amd64 arm64)
label=io.pipeline-actions.base-inputs

log() { echo "base-images.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }
seconds() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(seconds)" 'BEGIN{printf "%.1f", b-a}'; }

force=0
inputs_only=0
wanted=()
for arg in "$@"; do
  case "${arg}" in
    --force) force=1 ;;
    --inputs-only) inputs_only=1 ;;
    node|distroless|frontend|postgres|redis) wanted+=("${arg}") ;;
    -h|--help) awk 'NR>1 && /^#/ {sub(/^# ?/, ""); print; next} NR>1 {exit}' "${BASH_SOURCE[0]}" >&2; exit 0 ;;
    *) die "unknown argument '${arg}' (accepted: --force, --inputs-only, node, distroless, frontend, postgres, redis)" ;;
  esac
done
[[ ${#wanted[@]} -gt 0 ]] || wanted=(frontend node distroless)

# KEY=value lines of `containers.sh env`, read without evaluating them.
declare -A env_of=()
while IFS='=' read -r key value; do
  [[ -n "${value}" ]] && env_of[${key}]="${value}"
done < <("${here}/containers.sh" env 2>/dev/null | grep '=' || true)
if [[ ${inputs_only} -eq 0 ]]; then
  [[ -n "${env_of[BUILDKIT_HOST]:-}" ]] || die "the builder is not up: run tools/containers/containers.sh up"
  registry="${env_of[CONTAINERS_REGISTRY]}"
  export DOCKER_HOST="${env_of[DOCKER_HOST]}" DOCKER_CONFIG="${env_of[DOCKER_CONFIG]}"
fi
buildctl() { "${env_of[CONTAINERS_BIN]}/buildctl" --addr "${env_of[BUILDKIT_HOST]}" "$@"; }
skopeo_() { skopeo "$@" --tls-verify=false; }

node_version="$(jq -r '.packages["node_modules/node"].version // empty' "${root}/package-lock.json")"
[[ "${node_version}" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || \
  die "package-lock.json: packages[\"node_modules/node\"].version is '${node_version}', expected x.y.z"
node_major="${node_version%%.*}"
npm_version="${BASE_NPM_VERSION:-$(npm --version)}"
[[ "${npm_version}" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "BASE_NPM_VERSION/npm --version is '${npm_version}', expected x.y.z"
sources="${BASE_APT_SOURCES:-}"
if [[ -z "${sources}" ]]; then
  for f in /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list; do
    if [[ -s "${f}" ]]; then sources="${f}"; break; fi
  done
fi
[[ -s "${sources}" ]] || die "no apt sources file (set BASE_APT_SOURCES)"
suite=bookworm
ca_bundle="${BASE_CA_BUNDLE-/etc/ssl/certs/ca-certificates.crt}"
[[ -z "${ca_bundle}" || -s "${ca_bundle}" ]] || die "BASE_CA_BUNDLE=${ca_bundle} is not a readable file"
# What a Node runtime needs, as distroless ships it.
distroless_packages="base-files netbase tzdata ca-certificates libc6 libgcc-s1 libstdc++6 gcc-12-base"
# bookworm's PostgreSQL major (the stand-in keeps the upstream tag; its label says what it is).
postgres_major=15
declare -A service_packages=(
  [postgres]="base-files,base-passwd,bash,coreutils,tzdata,postgresql-${postgres_major},postgresql-client-${postgres_major}"
  [redis]="base-files,base-passwd,bash,coreutils,tzdata,redis-server,redis-tools"
)
# The upstream image's user (postgres 70:70, redis 999:999) and directories,
# written into the extracted tree; PostgreSQL without JIT (135 MB of LLVM:
# without its provider the server runs with jit unavailable).
finish_service_rootfs() { # kind, dir
  local kind="$1" dir="$2"
  cp "${dir}/usr/share/base-passwd/passwd.master" "${dir}/etc/passwd"
  cp "${dir}/usr/share/base-passwd/group.master" "${dir}/etc/group"
  mkdir -p "${dir}/tmp" && chmod 1777 "${dir}/tmp"
  case "${kind}" in
    postgres)
      echo "postgres:x:70:70:PostgreSQL administrator:/var/lib/postgresql:/bin/bash" >>"${dir}/etc/passwd"
      echo "postgres:x:70:" >>"${dir}/etc/group"
      rm -rf "${dir}"/usr/lib/postgresql/*/lib/llvmjit* "${dir}"/usr/lib/postgresql/*/lib/bitcode \
        "${dir}"/usr/lib/*-linux-gnu/libLLVM-* "${dir}"/usr/lib/*-linux-gnu/libz3.so*
      mkdir -p "${dir}/var/lib/postgresql/data" "${dir}/var/run/postgresql"
      chown -R 70:70 "${dir}/var/lib/postgresql" "${dir}/var/run/postgresql" ;;
    redis)
      echo "redis:x:999:999:redis:/data:/usr/sbin/nologin" >>"${dir}/etc/passwd"
      echo "redis:x:999:" >>"${dir}/etc/group"
      mkdir -p "${dir}/data" && chown 999:999 "${dir}/data" ;;
  esac
  rm -rf "${dir}"/var/lib/apt/lists/* "${dir}"/var/cache/apt/* "${dir}"/var/log/*
}
mkdir -p "${work}" "${cache}/npm"
# One run at a time on this machine: each image is built from a context
# directory it deletes and remakes, which a second run would pull away from
# under the first one's build (a half-copied npm in the pushed image), and
# the cache and the registry are shared.
exec 9>"${cache}/.lock"
if ! flock -n 9; then
  log "another base-images.sh run holds ${cache}/.lock: waiting for it"
  flock 9
fi
# What builds an image is part of its inputs hash: the functions that make it
# (not the whole script, so a change to one image does not rebuild the others).
code_hash() { declare -f "$@" build_push | sha256sum | cut -c1-16; }

hash_of() { printf '%s\n' "$@" | sha256sum | cut -c1-16; }

# --------------------------------------------------------------- inputs

link_or_copy() { ln -f "$1" "$2" 2>/dev/null || cp "$1" "$2"; }

npm_tarball() { # package spec -> path of its tarball in the cache
  local name="${1%@*}" version="${1##*@}" file
  file="${cache}/npm/${name}-${version}.tgz"
  if [[ ! -s "${file}" ]]; then
    log "npm pack ${1}"
    (cd "${cache}/npm" && npm pack --prefer-offline --silent "$1" >/dev/null)
  fi
  [[ -s "${file}" ]] || die "npm pack ${1} gave no ${file}"
  echo "${file}"
}

npm_arch() { case "$1" in amd64) echo x64 ;; *) echo "$1" ;; esac; }

# Debian root filesystem tarball, cached by the hash of what makes it.
rootfs() { # kind (slim|distroless), arch -> path
  local kind="$1" arch="$2" key out t
  local common=(--architectures="${arch}"
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*'
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright'
    --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/locale/locale.alias'
    --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/* "$1"/var/log/*')
  local args=()
  case "${kind}" in
    slim)
      # minbase runs the maintainer scripts (under QEMU for arm64); the node
      # user is made as in the upstream image (uid/gid 1000, bash, a home).
      args=(--variant=minbase --include=ca-certificates --format=tar
        --customize-hook='chroot "$1" groupadd --gid 1000 node'
        --customize-hook='chroot "$1" useradd --uid 1000 --gid node --shell /bin/bash --create-home node') ;;
    postgres|redis)
      # extract: the packages' files only, so no maintainer script runs (no
      # QEMU for arm64); finish_service_rootfs makes the users and directories.
      args=(--variant=extract "--include=${service_packages[${kind}]}" --format=directory) ;;
    distroless)
      # extract: these packages' files only, no maintainer script ran; the
      # directory is finished by distroless-rootfs.sh.
      args=(--variant=extract "--include=${distroless_packages// /,}" --skip=cleanup/apt/cache --format=directory) ;;
    *) die "rootfs: unknown kind ${kind}" ;;
  esac
  # Contents only, never paths: every clone of the repository makes the same key.
  key="$(hash_of "${kind}" "${arch}" "${suite}" "$(sha256sum < "${sources}")" "${common[@]}" "${args[@]}" \
    "$(sha256sum < "${here}/distroless-rootfs.sh")")"
  # (the slim and distroless keys stay as they were: their trees take longest to make)
  [[ "${kind}" == slim || "${kind}" == distroless ]] || key="$(hash_of "${key}" "$(declare -f finish_service_rootfs)")"
  out="${cache}/rootfs-${kind}-${arch}-${key}.tar"
  if [[ ! -s "${out}" ]]; then
    # Other versions' trees stay for the clones that use them; unused for a week, they go.
    find "${cache}" -maxdepth 1 -name "rootfs-${kind}-${arch}-*.tar" -mtime +7 -delete
    t="$(seconds)"
    log "mmdebstrap ${kind} ${suite} ${arch}"
    rm -rf "${out}.dir" "${out}.new"
    local target="${out}.new"
    [[ "${kind}" == slim ]] || target="${out}.dir"
    nice -n 10 mmdebstrap "${common[@]}" "${args[@]}" "${suite}" "${target}" "${sources}" \
      </dev/null >"${work}/mmdebstrap-${kind}-${arch}.log" 2>&1 || {
        tail -n 30 "${work}/mmdebstrap-${kind}-${arch}.log" >&2
        die "mmdebstrap ${kind} ${arch} failed (log: ${work}/mmdebstrap-${kind}-${arch}.log)"
      }
    if [[ "${kind}" != slim ]]; then
      if [[ "${kind}" == distroless ]]; then
        KEEP="${distroless_packages}" "${here}/distroless-rootfs.sh" "${out}.dir"
      else
        finish_service_rootfs "${kind}" "${out}.dir"
      fi
      tar --numeric-owner --sort=name -C "${out}.dir" -cf "${out}.new" .
      rm -rf "${out}.dir"
    fi
    mv -f "${out}.new" "${out}"
    log "rootfs ${kind} ${arch}: $(since "${t}")s, $(du -m "${out}" | cut -f1) MB"
  fi
  touch "${out}"
  echo "${out}"
}

# --------------------------------------------------------------- registry

# The inputs label of ref's image for one platform (empty when absent).
label_in_registry() { # ref, arch
  skopeo_ inspect --override-os linux --override-arch "$2" "docker://$1" 2>/dev/null |
    jq -r --arg l "${label}" '.Labels[$l] // empty'
}

up_to_date() { # ref, hash [arch...] (default: all platforms)
  [[ ${force} -eq 0 ]] || return 1
  local ref="$1" hash="$2" arch archs=("${platforms[@]}")
  shift 2
  [[ $# -eq 0 ]] || archs=("$@")
  for arch in "${archs[@]}"; do
    [[ "$(label_in_registry "${ref}" "${arch}")" == "${hash}" ]] || return 1
  done
}

# buildctl build of context dir $1 (its Dockerfile) for platforms $2, pushed
# as $3 (comma-separated names); extra args go to buildctl.
build_push() { # context, platforms, names, buildctl args...
  local ctx="$1" plats="$2" names="$3"; shift 3
  buildctl build --frontend dockerfile.v0 \
    --local context="${ctx}" --local dockerfile="${ctx}" \
    --opt platform="${plats}" "$@" \
    --output "type=image,\"name=${names}\",push=true,registry.insecure=true" \
    --progress plain >"${ctx}.log" 2>&1 || {
      tail -n 30 "${ctx}.log" >&2
      die "build of ${names} failed (log: ${ctx}.log)"
    }
}

# The manifest of ref's image for one architecture (ref may be an index).
platform_manifest() { # ref, arch
  local raw digest
  raw="$(skopeo_ inspect --raw "docker://$1")"
  digest="$(jq -r --arg a "$2" '.manifests[]? | select(.platform.os == "linux" and .platform.architecture == $a) | .digest' <<<"${raw}")"
  if [[ -n "${digest}" ]]; then skopeo_ inspect --raw "docker://${1%:*}@${digest}"; else echo "${raw}"; fi
}

# One stdout line: ref, hash, compressed size of each platform's image.
report() { # ref, hash
  local sizes=() arch bytes
  for arch in "${platforms[@]}"; do
    bytes="$(platform_manifest "$1" "${arch}" | jq '[.layers[].size] | add')"
    sizes+=("${arch}=$(awk -v b="${bytes}" 'BEGIN{printf "%.1fMB", b/1e6}')")
  done
  echo "$1 inputs=$2 ${sizes[*]}"
}

# --------------------------------------------------------------- images

image_frontend() {
  local fe="${env_of[CONTAINERS_BIN]}/dockerfile-frontend" ctx="${work}/ctx-frontend" ref hash
  [[ -x "${fe}" ]] || die "${fe} is not built (tools/containers/build.sh dockerfile-frontend)"
  ref="${registry}/docker/dockerfile:1"
  hash="$(hash_of frontend "$(code_hash image_frontend)" "$(sha256sum < "${fe}")")"
  if up_to_date "${ref}" "${hash}" amd64; then log "${ref}: up to date"; echo "${ref} inputs=${hash} amd64 only"; return; fi
  rm -rf "${ctx}"; mkdir -p "${ctx}"
  cp "${fe}" "${ctx}/dockerfile-frontend"
  # amd64 only: BuildKit runs a frontend on its own platform, never emulated.
  cat > "${ctx}/Dockerfile" <<EOF
FROM scratch
LABEL moby.buildkit.frontend.network.none="true" \\
      moby.buildkit.frontend.caps="moby.buildkit.frontend.inputs,moby.buildkit.frontend.subrequests,moby.buildkit.frontend.contexts" \\
      ${label}="${hash}"
COPY dockerfile-frontend /bin/dockerfile-frontend
ENTRYPOINT ["/bin/dockerfile-frontend"]
EOF
  log "building ${ref}"
  build_push "${ctx}" linux/amd64 "${ref},${registry}/docker/dockerfile:${fe_version}"
  echo "${ref} inputs=${hash} amd64 only"
}

# /usr/local of the node image for one arch: node, npm and their links.
stage_node_usr_local() { # arch, dest
  local arch="$1" dest="$2" tgz
  tgz="$(npm_tarball "node-linux-$(npm_arch "${arch}")@${node_version}")"
  mkdir -p "${dest}/bin" "${dest}/lib/node_modules/npm" "${dest}/include" "${dest}/share"
  tar -xzf "${tgz}" -C "${dest}/bin" --strip-components=2 package/bin/node
  tar -xzf "$(npm_tarball "npm@${npm_version}")" -C "${dest}/lib/node_modules/npm" --strip-components=1
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "${dest}/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "${dest}/bin/npx"
  chmod 0755 "${dest}/bin/node"
}

image_node() {
  local ctx="${work}/ctx-node" ref hash arch inputs=()
  ref="${registry}/library/node:${node_major}-${suite}-slim"
  for arch in "${platforms[@]}"; do
    inputs+=("$(rootfs slim "${arch}")")
    inputs+=("$(sha256sum < "$(npm_tarball "node-linux-$(npm_arch "${arch}")@${node_version}")")")
  done
  inputs+=("$(sha256sum < "$(npm_tarball "npm@${npm_version}")")" "$(sha256sum < "${here}/docker-entrypoint.sh")")
  [[ -z "${ca_bundle}" ]] || inputs+=("$(sha256sum < "${ca_bundle}")")
  hash="$(hash_of node "$(code_hash image_node stage_node_usr_local)" "${node_version}" "${npm_version}" "${inputs[@]##*/}")"
  if up_to_date "${ref}" "${hash}"; then log "${ref}: up to date"; report "${ref}" "${hash}"; return; fi
  rm -rf "${ctx}"; mkdir -p "${ctx}"
  for arch in "${platforms[@]}"; do
    link_or_copy "$(rootfs slim "${arch}")" "${ctx}/rootfs-${arch}.tar"
    stage_node_usr_local "${arch}" "${ctx}/usr-local-${arch}"
  done
  cp "${here}/docker-entrypoint.sh" "${ctx}/docker-entrypoint.sh"
  chmod 0755 "${ctx}/docker-entrypoint.sh"
  local ca_lines=""
  if [[ -n "${ca_bundle}" ]]; then
    cp "${ca_bundle}" "${ctx}/ca-certificates.crt"
    ca_lines="COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt"
  fi
  cat > "${ctx}/Dockerfile" <<EOF
FROM scratch
ARG TARGETARCH
ADD rootfs-\${TARGETARCH}.tar /
COPY usr-local-\${TARGETARCH}/ /usr/local/
COPY docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
${ca_lines}
ENV NODE_VERSION=${node_version} \\
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
LABEL ${label}="${hash}" \\
      io.pipeline-actions.stand-in="docker.io/library/node:${node_major}-${suite}-slim"
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["node"]
EOF
  log "building ${ref} (node ${node_version}, npm ${npm_version})"
  build_push "${ctx}" linux/amd64,linux/arm64 "${ref}"
  report "${ref}" "${hash}"
  alias_node_slim "${ref}"
}

# node:<major>-slim names the same Debian slim image upstream; Dockerfiles use
# both spellings, so the stand-in answers to both (copied when it differs).
alias_node_slim() { # ref
  local alias="${registry}/library/node:${node_major}-slim"
  if [[ "$(skopeo inspect --raw --tls-verify=false "docker://${alias}" 2>/dev/null | sha256sum)" == \
        "$(skopeo inspect --raw --tls-verify=false "docker://$1" | sha256sum)" ]]; then return; fi
  log "tagging ${alias} (the same stand-in)"
  skopeo copy --quiet --all --src-tls-verify=false --dest-tls-verify=false "docker://$1" "docker://${alias}"
}

image_distroless() {
  local ctx="${work}/ctx-distroless" name hash arch inputs=() tag uid
  name="${registry}/distroless/nodejs${node_major}-debian12"
  for arch in "${platforms[@]}"; do
    inputs+=("$(rootfs distroless "${arch}")")
    inputs+=("$(sha256sum < "$(npm_tarball "node-linux-$(npm_arch "${arch}")@${node_version}")")")
  done
  hash="$(hash_of distroless "$(code_hash image_distroless)" "${node_version}" "${inputs[@]##*/}")"
  if up_to_date "${name}:latest" "${hash}" && up_to_date "${name}:nonroot" "${hash}"; then
    log "${name}: up to date"
  else
    rm -rf "${ctx}"; mkdir -p "${ctx}"
    for arch in "${platforms[@]}"; do
      link_or_copy "$(rootfs distroless "${arch}")" "${ctx}/rootfs-${arch}.tar"
      mkdir -p "${ctx}/nodejs-${arch}"
      tar -xzf "$(npm_tarball "node-linux-$(npm_arch "${arch}")@${node_version}")" -C "${ctx}/nodejs-${arch}" \
        --strip-components=1 package/bin/node package/LICENSE
    done
    # As upstream: node is the entrypoint and there is no CMD; :nonroot runs
    # as 65532 in /home/nonroot, :latest as root.
    cat > "${ctx}/Dockerfile" <<EOF
FROM scratch
ARG TARGETARCH
ARG RUN_AS=0
ARG HOME_DIR=/root
ADD rootfs-\${TARGETARCH}.tar /
COPY nodejs-\${TARGETARCH}/ /nodejs/
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \\
    SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
LABEL ${label}="${hash}" \\
      io.pipeline-actions.stand-in="gcr.io/distroless/nodejs${node_major}-debian12"
USER \${RUN_AS}
WORKDIR \${HOME_DIR}
ENTRYPOINT ["/nodejs/bin/node"]
EOF
    for tag in latest nonroot; do
      uid=0; [[ "${tag}" == nonroot ]] && uid=65532
      log "building ${name}:${tag} (node ${node_version}, user ${uid})"
      build_push "${ctx}" linux/amd64,linux/arm64 "${name}:${tag}" \
        --opt build-arg:RUN_AS="${uid}" --opt build-arg:HOME_DIR="$([[ ${uid} == 0 ]] && echo /root || echo /home/nonroot)"
    done
  fi
  for tag in latest nonroot; do
    report "${name}:${tag}" "${hash}"
    # dockerd mirrors docker.io only: give the engine the gcr.io name itself.
    docker pull -q "${name}:${tag}" >/dev/null
    docker tag "${name}:${tag}" "gcr.io/distroless/nodejs${node_major}-debian12:${tag}"
  done
}

# A stand-in for a service image: a Debian root filesystem, an entrypoint
# from service-entrypoints/, the upstream image's user, env and command.
image_service() { # kind, upstream ref, local repo:tag, Dockerfile tail
  local kind="$1" upstream="$2" ref="${registry}/$3" tail="$4" ctx="${work}/ctx-$1" hash arch inputs=()
  for arch in "${platforms[@]}"; do inputs+=("$(rootfs "${kind}" "${arch}")"); done
  inputs+=("$(sha256sum < "${here}/service-entrypoints/${kind}.sh")")
  hash="$(hash_of "${kind}" "$(code_hash image_service "image_${kind}")" "${tail}" "${inputs[@]##*/}")"
  if up_to_date "${ref}" "${hash}"; then log "${ref}: up to date"; report "${ref}" "${hash}"; return; fi
  rm -rf "${ctx}"; mkdir -p "${ctx}"
  for arch in "${platforms[@]}"; do link_or_copy "$(rootfs "${kind}" "${arch}")" "${ctx}/rootfs-${arch}.tar"; done
  install -m 0755 "${here}/service-entrypoints/${kind}.sh" "${ctx}/docker-entrypoint.sh"
  cat > "${ctx}/Dockerfile" <<DOCKERFILE
FROM scratch
ARG TARGETARCH
ADD rootfs-\${TARGETARCH}.tar /
COPY docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
# No maintainer script made /bin/sh (dash's does); popen() needs it (initdb runs postgres -V).
RUN ["/bin/bash", "-c", "[ -e /bin/sh ] || ln -s bash /bin/sh"]
LABEL ${label}="${hash}" \\
      io.pipeline-actions.stand-in="${upstream}"
ENTRYPOINT ["docker-entrypoint.sh"]
${tail}
DOCKERFILE
  log "building ${ref} (stand-in for ${upstream})"
  build_push "${ctx}" linux/amd64,linux/arm64 "${ref}"
  report "${ref}" "${hash}"
}

image_postgres() {
  image_service postgres docker.io/library/postgres:17-alpine library/postgres:17-alpine \
"ENV PATH=/usr/lib/postgresql/${postgres_major}/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \\
    PGDATA=/var/lib/postgresql/data
USER postgres
STOPSIGNAL SIGINT
EXPOSE 5432
CMD [\"postgres\"]"
}

image_redis() {
  image_service redis docker.io/library/redis:7-alpine library/redis:7-alpine \
"USER redis
WORKDIR /data
EXPOSE 6379
CMD [\"redis-server\"]"
}

started="$(seconds)"
if [[ ${inputs_only} -eq 1 ]]; then
  for arch in "${platforms[@]}"; do
    npm_tarball "node-linux-$(npm_arch "${arch}")@${node_version}" >/dev/null
    for kind in slim distroless; do rootfs "${kind}" "${arch}" >/dev/null; done
  done
  npm_tarball "npm@${npm_version}" >/dev/null
  log "inputs ready in $(since "${started}")s"
  exit 0
fi
# The Dockerfile syntax version the frontend was built as (build.sh stamp).
fe_version="$(sed -n 's/.*main\.Version=\([^ ]*\).*/\1/p' "${env_of[CONTAINERS_BIN]}/.stamp-dockerfile-frontend" 2>/dev/null)"
fe_version="${fe_version:-1}"
for image in "${wanted[@]}"; do
  t="$(seconds)"
  "image_${image}"
  log "${image}: $(since "${t}")s"
done
log "done in $(since "${started}")s"
