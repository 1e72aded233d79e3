#!/usr/bin/env bash
# Quick self-check of a running cluster with the built kubectl:
#   1. a Deployment with 3 replicas rolls out (pods scheduled onto kwok nodes
#      and Ready),
#   2. a server-side dry run is accepted and changes nothing,
#   3. a Deployment whose nodeSelector matches no node fails with
#      ProgressDeadlineExceeded (the recipe the deploy tests use),
#   4. everything is deleted again.
#
# Usage: tools/kube/smoke-test.sh [kubeconfig]
#   kubeconfig defaults to $KUBECONFIG, then to `cluster.sh kubeconfig`.
# Env:   SMOKE_SKIP_FAILURE=1 skips step 3 (about 15 s).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
kc="${1:-${KUBECONFIG:-}}"
if [[ -z "${kc}" ]]; then
  kc="$("${here}/cluster.sh" kubeconfig)"
fi
k() { "${here}/bin/kubectl" --kubeconfig "${kc}" "$@"; }
ns="smoke-$(date +%s)-$$"
step() { echo "smoke-test: $*" >&2; }
cleanup() { k delete namespace "${ns}" --wait=false --ignore-not-found >/dev/null 2>&1 || true; }
trap cleanup EXIT

t0="$(date +%s.%N)"
step "server $(k version -o json | sed -n 's/.*"gitVersion": "\(v[^"]*\)".*/\1/p' | tail -1)"
k create namespace "${ns}" >/dev/null

manifest() { # name replicas [nodeSelector-yaml]
  cat <<EOF
apiVersion: apps/v1
kind: Deployment
metadata:
  name: $1
  namespace: ${ns}
spec:
  replicas: $2
  progressDeadlineSeconds: ${PROGRESS_DEADLINE:-600}
  selector:
    matchLabels: {app: $1}
  template:
    metadata:
      labels: {app: $1}
    spec:
      ${3:-}
      containers:
      - name: web
        image: registry.example/web:1.0
        readinessProbe:
          httpGet: {path: /, port: 8080}
EOF
}

step "1. apply a 3-replica Deployment and wait for the rollout"
manifest web 3 | k apply --server-side -f - >/dev/null
k -n "${ns}" rollout status deployment/web --timeout=120s >&2
ready="$(k -n "${ns}" get deployment web -o jsonpath='{.status.readyReplicas}')"
[[ "${ready}" == "3" ]] || { step "FAIL: readyReplicas=${ready}"; exit 1; }
k -n "${ns}" get pods -o wide >&2

step "2. server-side dry run of an image change"
manifest web 3 | sed 's/web:1.0/web:2.0/' | k apply --server-side --dry-run=server -f - >&2
image="$(k -n "${ns}" get deployment web -o jsonpath='{.spec.template.spec.containers[0].image}')"
[[ "${image}" == "registry.example/web:1.0" ]] || { step "FAIL: dry run changed the image (${image})"; exit 1; }

if [[ "${SMOKE_SKIP_FAILURE:-0}" != "1" ]]; then
  step "3. a nodeSelector no node has: pods stay Pending, ProgressDeadlineExceeded"
  PROGRESS_DEADLINE=5 manifest stuck 1 'nodeSelector: {pipeline-actions/no-such-node: "true"}' | k apply -f - >/dev/null
  if k -n "${ns}" rollout status deployment/stuck --timeout=60s >/dev/null 2>&1; then
    step "FAIL: the rollout of 'stuck' succeeded"; exit 1
  fi
  reason="$(k -n "${ns}" get deployment stuck -o jsonpath='{.status.conditions[?(@.type=="Progressing")].reason}')"
  [[ "${reason}" == "ProgressDeadlineExceeded" ]] || { step "FAIL: Progressing reason '${reason}'"; exit 1; }
  k -n "${ns}" get pods -l app=stuck -o jsonpath='{range .items[*]}{.metadata.name} {.status.phase} {.status.conditions[0].reason}{"\n"}{end}' >&2
fi

step "4. delete"
k delete namespace "${ns}" --timeout=60s >/dev/null
trap - EXIT
step "OK in $(awk -v a="${t0}" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}')s"
