#!/usr/bin/env bash
# The adoption proof for one fetched repository: export the snapshot unedited,
# `init`, then the whole pipeline locally (`npm run pipeline`), timed.
# Uses the machine's shared container tooling and cluster (their env files),
# never starts its own: the kubeconfig secrets are the shared cluster's.
#
# Usage: scripts/adoption/run-proof.sh <mirror-git-dir> <work-dir> [pipeline options...]
# The run is a push of init's commit to develop (staging) unless the options
# say otherwise (--ref main: the snapshot alone, without init's files).
# Writes <work-dir>/{init.log,run.log,report/} and prints one summary line.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "${here}/../.." && pwd)"
mirror="${1:?usage: run-proof.sh <mirror-git-dir> <work-dir> [pipeline options...]}"
work="${2:?usage: run-proof.sh <mirror-git-dir> <work-dir> [pipeline options...]}"
shift 2
main_tmp="${PROOF_SHARED_TMP:-/work/main/.tmp}"
kubeconfig="${main_tmp}/kube/kubeconfig"
[[ -s "${kubeconfig}" ]] || { echo "run-proof.sh: no shared cluster kubeconfig at ${kubeconfig}" >&2; exit 1; }
mkdir -p "${work}"
read -r repo commit < <("${here}/export-snapshot.sh" "${mirror}" "${work}/repo")
# What an adopter does: init, review, commit, push. init runs on the
# snapshot's branch (main: it makes the checked-out branch the production
# one); its files are committed on a new develop branch (a push there deploys
# to staging), so main stays the upstream snapshot. The run checks out a
# commit, so init's files must be committed to be in it.
(cd "${root}" && npm run -s pipeline -- init "${repo}" --namespace-prefix "${PROOF_NAMESPACE_PREFIX:-adopt16-}") >"${work}/init.log"
edits="$(git -C "${repo}" status --porcelain --untracked-files=no | wc -l)"
git -C "${repo}" switch --quiet --create develop
git -C "${repo}" add --all
git -C "${repo}" -c user.name=adoption-proof -c user.email=adoption-proof@localhost \
  commit --quiet --message "the files npm run pipeline -- init wrote"
export CONTAINERS_STATE_DIR="${main_tmp}/containers"
started="$(date +%s)"
set +e
(cd "${root}" && nice npm run -s pipeline -- "${repo}" --report-dir "${work}/report" \
  --secret-file "STAGING_KUBECONFIG=${kubeconfig}" --secret-file "PRODUCTION_KUBECONFIG=${kubeconfig}" "$@") >"${work}/run.log" 2>&1
rc=$?
set -e
echo "${mirror} ${commit}: init wrote $(grep -c . <<<"$(sed -n 's/^wrote (review and commit): //p' "${work}/init.log" | tr ',' '\n')") files, modified ${edits} tracked files; pipeline exit ${rc} in $(( $(date +%s) - started ))s"
