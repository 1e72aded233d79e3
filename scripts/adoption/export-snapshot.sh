#!/usr/bin/env bash
# Exports a fetched snapshot of a public repository (a bare mirror, such as
# the ones under /work/.mirror/<owner>+<name>/repo) into a fresh git
# repository, exactly as committed upstream, and records where it came from.
# Nothing of the snapshot is edited: the adoption proof's goal is 0 edits.
#
# Usage: scripts/adoption/export-snapshot.sh <mirror-git-dir> <dest> [<commit>]
# Prints: <dest> <upstream commit>
set -euo pipefail
mirror="${1:?usage: export-snapshot.sh <mirror-git-dir> <dest> [<commit>]}"
dest="${2:?usage: export-snapshot.sh <mirror-git-dir> <dest> [<commit>]}"
commit="$(git --git-dir="${mirror}" rev-parse "${3:-HEAD}^{commit}")"
[[ ! -e "${dest}" ]] || { echo "export-snapshot.sh: ${dest} exists; choose a new directory" >&2; exit 1; }
mkdir -p "${dest}"
git --git-dir="${mirror}" archive --format=tar "${commit}" | tar -x -C "${dest}"
git -C "${dest}" init --quiet --initial-branch=main
git -C "${dest}" add --all
git -C "${dest}" -c user.name=adoption-proof -c user.email=adoption-proof@localhost \
  commit --quiet --message "snapshot of ${mirror} at ${commit}"
echo "${commit}" > "${dest}/.git/upstream-commit"
# The fetch tool's mirrors are <owner>+<name>/repo: origin names the upstream
# (never fetched), so the run's github.repository and image name are
# owner/name rather than local/<folder> (one image repository per adopter).
slug="$(basename "$(dirname "$(realpath "${mirror}")")")"
if [[ "${slug}" =~ ^[A-Za-z0-9_.-]+\+[A-Za-z0-9_.-]+$ ]]; then
  git -C "${dest}" remote add origin "https://github.com/${slug/+//}.git"
fi
echo "${dest} ${commit}"
