#!/usr/bin/env bash
# Finishes the distroless stand-in's root filesystem, a directory made by
# `mmdebstrap --variant=extract --skip=cleanup/apt/cache`: that variant unpacks
# the --include packages and, as apt resolves them, their dependencies, and
# runs none of their maintainer scripts; the .deb files stay in
# var/cache/apt/archives. This keeps only the packages named in KEEP and does
# on the host, without running anything from the target, what distroless
# does: accounts, the CA bundle, a dpkg status per package for scanners, no
# package manager, no shell.
# Usage: distroless-rootfs.sh ROOTFS_DIR   Env: KEEP="pkg pkg..."
set -euo pipefail
rootfs="$1"
keep=" ${KEEP:?KEEP must list the packages to keep} "
archives="${rootfs}/var/cache/apt/archives"

# Files of the dependencies that were not asked for (debconf, openssl, perl...).
kept=0
for deb in "${archives}"/*.deb; do
  [[ -f "${deb}" ]] || continue
  pkg="$(dpkg-deb --field "${deb}" Package)"
  if [[ "${keep}" == *" ${pkg} "* ]]; then kept=$((kept + 1)); continue; fi
  dpkg-deb --fsys-tarfile "${deb}" | tar -t | while IFS= read -r path; do
    [[ "${path}" == */ ]] && continue
    rm -f "${rootfs}/${path#./}"
  done
done
[[ ${kept} -gt 0 ]] || { echo "distroless-rootfs.sh: none of KEEP (${KEEP}) in ${archives}" >&2; exit 1; }

cat > "${rootfs}/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin
PASSWD
cat > "${rootfs}/etc/group" <<'GROUP'
root:x:0:
nogroup:x:65534:
nonroot:x:65532:
GROUP
install -d -m 0700 "${rootfs}/root"
install -d -m 0700 -o 65532 -g 65532 "${rootfs}/home/nonroot"
install -d -m 1777 "${rootfs}/tmp"

# ca-certificates' postinst would build this bundle; here it is built from the
# certificates the package ships.
install -d "${rootfs}/etc/ssl/certs"
find "${rootfs}/usr/share/ca-certificates" -name '*.crt' -type f -print0 | sort -z |
  xargs -0 cat > "${rootfs}/etc/ssl/certs/ca-certificates.crt"
[[ -s "${rootfs}/etc/ssl/certs/ca-certificates.crt" ]] || { echo "no CA certificates extracted" >&2; exit 1; }

# Scanners (Trivy) read installed packages from /var/lib/dpkg/status.d/*.
install -d "${rootfs}/var/lib/dpkg/status.d"
found=0
for deb in "${archives}"/*.deb; do
  [[ -f "${deb}" ]] || continue
  pkg="$(dpkg-deb --field "${deb}" Package)"
  [[ "${keep}" == *" ${pkg} "* ]] || continue
  { dpkg-deb --field "${deb}"; echo "Status: install ok installed"; } > "${rootfs}/var/lib/dpkg/status.d/${pkg}"
  found=$((found + 1))
done
echo "distroless-rootfs.sh: ${found} packages recorded in /var/lib/dpkg/status.d" >&2

# No shell, no package manager state beyond the status records.
rm -rf "${rootfs}/etc/apt" "${rootfs}/var/lib/apt" "${rootfs}/var/cache/apt" "${rootfs}/var/cache/debconf" \
  "${rootfs}/var/lib/dpkg/info" "${rootfs}/var/lib/dpkg/available" "${rootfs}/var/lib/dpkg/status" \
  "${rootfs}/var/lib/dpkg/triggers" "${rootfs}/var/lib/dpkg/updates" "${rootfs}/var/log" \
  "${rootfs}/usr/share/man" "${rootfs}/usr/share/info" "${rootfs}/usr/share/lintian" \
  "${rootfs}/etc/resolv.conf" "${rootfs}/etc/hostname"
for sh in bin/sh bin/bash bin/dash usr/bin/sh usr/bin/bash usr/bin/dash; do
  if [[ -e "${rootfs}/${sh}" ]]; then echo "distroless-rootfs.sh: ${sh} present" >&2; exit 1; fi
done
