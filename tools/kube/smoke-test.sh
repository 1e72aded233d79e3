#!/usr/bin/env bash
# Quick self-check of a running cluster with the built kubectl:
#   1. a Deployment with 3 replicas rolls out (pods scheduled onto kwok nodes
#      and Ready),
#   2. a server-side dry run is accepted and changes nothing,
#   3. a Deployment whose nodeSelector matches no node fails with
#      ProgressDeadlineExceeded (the recipe the deploy tests use),
#   4. the opt-in failure Stages put labelled pods into CrashLoopBackOff,
#      ImagePullBackOff and Running-but-not-Ready,
#   5. everything is deleted again.
#
# Usage: tools/kube/smoke-test.sh [kubeconfig]
#   kubeconfig defaults to $KUBECONFIG, then to `cluster.sh kubeconfig`.
# Env:   SMOKE_SKIP_FAILURE=1 skips step 3 (about 10 s); SMOKE_SKIP_STAGES=1
#        skips step 4 (needed on a cluster without stages/failures.yaml).
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

if [[ "${SMOKE_SKIP_STAGES:-0}" != "1" ]]; then
  step "4. opt-in failure Stages (stages/failures.yaml): crash-loop, image-pull, not-ready"
  for mode in crash-loop image-pull not-ready; do
    cat <<EOF | k apply -f - >/dev/null
apiVersion: v1
kind: Pod
metadata:
  name: fail-${mode}
  namespace: ${ns}
  labels: {pipeline-actions.test/kwok-fail: ${mode}}
spec:
  containers:
  - {name: web, image: registry.example/web:bad}
EOF
  done
  want() { # pod jsonpath expected
    local got="" _
    for _ in $(seq 1 40); do
      got="$(k -n "${ns}" get pod "$1" -o jsonpath="$2" 2>/dev/null || true)"
      [[ "${got}" == "$3" ]] && return 0
      sleep 0.5
    done
    step "FAIL: pod $1: $2 is '${got}', want '$3' (are the failure Stages loaded? SMOKE_SKIP_STAGES=1 skips)"
    exit 1
  }
  want fail-crash-loop '{.status.containerStatuses[0].state.waiting.reason}' CrashLoopBackOff
  want fail-image-pull '{.status.containerStatuses[0].state.waiting.reason}' ImagePullBackOff
  want fail-not-ready '{.status.phase}/{.status.conditions[?(@.type=="Ready")].status}' Running/False
  k -n "${ns}" get pods -l pipeline-actions.test/kwok-fail >&2
fi

step "5. delete"
k delete namespace "${ns}" --timeout=60s >/dev/null
trap - EXIT
step "OK in $(awk -v a="${t0}" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}')s"
