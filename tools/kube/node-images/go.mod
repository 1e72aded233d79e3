// Programs for the real node's images (see ../README.md, "A real node"):
// pause, the pod sandbox's process, and testapp, the deploy tests' HTTP
// server. Standard library only, so both cross-compile for amd64 and arm64
// with nothing to download. A module of its own: editing it never changes
// the build key of the control plane binaries in ../go.mod.
module pipeline-actions/tools/kube/node-images

go 1.26.0
