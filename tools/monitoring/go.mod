// Pins the Prometheus Operator release whose CRD manifests the local cluster
// installs (example/prometheus-operator-crd/ in the module's zip). Nothing is
// built from it: crds.sh downloads the module, verified against go.sum.
module pipeline-actions/tools/monitoring

go 1.26.0

require github.com/prometheus-operator/prometheus-operator v0.85.0
