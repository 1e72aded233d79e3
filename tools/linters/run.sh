#!/usr/bin/env bash
# Runs actionlint (with shellcheck) and zizmor (offline) on this repository's
# workflows and on the adopter fixture's caller workflow. Zero findings or exit 1.
#
#   tools/linters/run.sh            install if needed, then lint
#   tools/linters/run.sh FILE...    lint only these workflow files
set -euo pipefail

here="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd -- "$here/../.." && pwd)"
"$here/install.sh"

zizmor="$here/.venv/bin/zizmor"
[[ -x "$zizmor" ]] || zizmor="$(python3 -m site --user-base)/bin/zizmor"

cd "$root"
shopt -s nullglob
if [[ $# -gt 0 ]]; then
  files=("$@")
else
  files=(.github/workflows/*.yml fixtures/adopter-repo/.github/workflows/*.yml)
fi

status=0
echo "== actionlint $("$here/bin/actionlint" -version | head -n1) (shellcheck: $(command -v shellcheck))"
if "$here/bin/actionlint" -no-color -config-file .github/actionlint.yaml -shellcheck shellcheck "${files[@]}"; then
  echo "actionlint: 0 findings in ${#files[@]} files"
else
  echo "actionlint: findings above" >&2
  status=1
fi

echo "== $("$zizmor" --version) (offline)"
# No GitHub token is passed, and --offline forbids network audits.
if env -u GH_TOKEN -u GITHUB_TOKEN "$zizmor" --offline --no-progress --config .github/zizmor.yml "${files[@]}"; then
  echo "zizmor: 0 findings in ${#files[@]} files"
else
  echo "zizmor: findings above" >&2
  status=1
fi
exit "$status"
