#!/usr/bin/env bash
# Runs shellcheck on every shell script of the repository, then actionlint
# (with shellcheck on run: scripts) and zizmor (offline) on this repository's
# workflows and on the adopter fixture's caller workflow. Zero findings or exit 1.
#
#   tools/linters/run.sh            install if needed, then lint
#   tools/linters/run.sh FILE...    lint only these workflow files (scripts are always checked)
#
# The scripts are discovered, not listed: every file git knows (tracked, or new
# and not ignored) that ends in .sh or starts with a sh/bash/dash/ksh shebang.
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

# NUL-separated paths of the shell scripts git knows about.
shell_scripts() {
  local path first
  while IFS= read -r -d '' path; do
    [[ -f "$path" && ! -L "$path" ]] || continue
    if [[ "$path" != *.sh ]]; then
      first=''
      IFS= read -r -n 160 first <"$path" || true
      [[ "$first" =~ ^#![[:space:]]*[^[:space:]]*/(env[[:space:]]+)?(ba|da|k)?sh([[:space:]]|$) ]] || continue
    fi
    printf '%s\0' "$path"
  done < <(git ls-files -z --cached --others --exclude-standard)
}

status=0
git rev-parse --is-inside-work-tree >/dev/null 2>&1 \
  || { echo "run.sh: $root is not a git work tree (shell scripts are found with git ls-files)" >&2; exit 1; }
mapfile -d '' scripts < <(shell_scripts | LC_ALL=C sort -z)
[[ ${#scripts[@]} -gt 0 ]] || { echo "shellcheck: no shell scripts found" >&2; exit 1; }
echo "== shellcheck $(shellcheck --version | awk '/^version:/{print $2}') -S warning: ${scripts[*]}"
# -x follows `source`d files (install.sh's versions.env), so they are checked in context.
# Exit 1 means findings; anything else means shellcheck itself could not run.
sc=0
findings="$(shellcheck -x -S warning -f gcc "${scripts[@]}")" || sc=$?
if [[ $sc -eq 0 ]]; then
  echo "shellcheck: 0 findings in ${#scripts[@]} scripts"
elif [[ $sc -eq 1 ]]; then
  printf '%s\n' "$findings"
  echo "shellcheck: $(grep -c . <<<"$findings") findings above" >&2
  status=1
else
  echo "shellcheck: exited $sc without a result" >&2
  status=1
fi

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
