// Command kwok-default-stages prints, as one multi-document YAML stream, the
// node and pod Stages that kwokctl installs when its configuration names no
// Stage. They are read from the pinned sigs.k8s.io/kwok module, not copied.
//
// kwokctl drops all of its default Stages as soon as --config contains any
// Stage, so cluster.sh concatenates this output with stages/failures.yaml to
// keep the default behaviour and add the failure recipes on top.
package main

import (
	"fmt"
	"os"
	"strings"

	nodefast "sigs.k8s.io/kwok/kustomize/stage/node/fast"
	nodeheartbeat "sigs.k8s.io/kwok/kustomize/stage/node/heartbeat-with-lease"
	podfast "sigs.k8s.io/kwok/kustomize/stage/pod/fast"
)

func main() {
	// The same set and order as kwokctl's defaults for the binary runtime
	// (node lease enabled, so the heartbeat variant that works with leases).
	docs := []string{
		nodefast.DefaultNodeInit,
		nodeheartbeat.DefaultNodeHeartbeatWithLease,
		podfast.DefaultPodReady,
		podfast.DefaultPodComplete,
		podfast.DefaultPodDelete,
	}
	for _, doc := range docs {
		if _, err := fmt.Fprintf(os.Stdout, "---\n%s\n", strings.TrimSpace(doc)); err != nil {
			os.Exit(1)
		}
	}
}
