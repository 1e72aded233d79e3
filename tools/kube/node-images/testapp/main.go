// Command testapp is the HTTP server the real-node deploy tests run. Its
// failure modes are chosen with environment variables, so that one image
// (two tags, v1 and v2, with different digests) covers every rollout case:
//
//	PORT                  listen port (default 8080)
//	TESTAPP_EXIT_AT_START exit with this code before listening
//	TESTAPP_READY_AFTER   seconds before /ready answers 200 (a slow start)
//	TESTAPP_READY_FOR     seconds /ready answers 200, then 503 for ever
//	TESTAPP_NEVER_READY   1: /ready always answers 503
//	TESTAPP_CRASH_AFTER   exit 1 this many seconds after /ready first passed
//	TESTAPP_ALLOCATE_MB   allocate and touch this many MiB at start, 8 MiB at a time
//	TESTAPP_ERROR_RATE    fraction (0..1) of the requests to TESTAPP_ERROR_ROUTE answered 500,
//	                      spread evenly (0.3: 3 of every 10), so a short test sees the exact share
//	TESTAPP_ERROR_ROUTE   path prefix the error rate applies to (default /)
//	TESTAPP_LATENCY_MS    added delay of every answer on TESTAPP_ERROR_ROUTE, in milliseconds
//
// GET / (any path but the ones below) answers {"version","greeting","pod","path"};
// GET /healthz always 200; /ready as above; GET /metrics the Prometheus text
// format: http_requests_total{route,code} and the histogram
// http_request_duration_seconds{route} of the answered requests (probes and
// /metrics itself excluded).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// version is set at build time (-ldflags -X main.version=v1).
var version = "dev"

func seconds(name string) (time.Duration, bool) {
	v, ok := os.LookupEnv(name)
	if !ok || v == "" {
		return 0, false
	}
	n, err := strconv.ParseFloat(v, 64)
	if err != nil || n < 0 {
		fmt.Fprintf(os.Stderr, "testapp: %s=%q is not a number of seconds\n", name, v)
		os.Exit(2)
	}
	return time.Duration(n * float64(time.Second)), true
}

func number(name string) int {
	v := os.Getenv(name)
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		fmt.Fprintf(os.Stderr, "testapp: %s=%q is not a whole number\n", name, v)
		os.Exit(2)
	}
	return n
}

// allocate keeps mb MiB resident (every page written) until the process ends.
func allocate(mb int) [][]byte {
	var kept [][]byte
	for done := 0; done < mb; done += 8 {
		chunk := make([]byte, 8<<20)
		for i := range chunk {
			chunk[i] = byte(i)
		}
		kept = append(kept, chunk)
		fmt.Printf("testapp: %d MiB allocated\n", done+8)
	}
	return kept
}

type readiness struct {
	mu        sync.Mutex
	start     time.Time
	firstPass time.Time
}

func (r *readiness) ready(now time.Time) bool {
	if os.Getenv("TESTAPP_NEVER_READY") == "1" {
		return false
	}
	after, _ := seconds("TESTAPP_READY_AFTER")
	if now.Sub(r.start) < after {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.firstPass.IsZero() {
		r.firstPass = now
		if crash, ok := seconds("TESTAPP_CRASH_AFTER"); ok {
			time.AfterFunc(crash, func() {
				fmt.Fprintf(os.Stderr, "testapp: crashing %s after becoming ready\n", crash)
				os.Exit(1)
			})
		}
	}
	if readyFor, ok := seconds("TESTAPP_READY_FOR"); ok && now.Sub(r.firstPass) >= readyFor {
		return false
	}
	return true
}

func main() {
	if v, ok := os.LookupEnv("TESTAPP_EXIT_AT_START"); ok {
		code, _ := strconv.Atoi(v)
		fmt.Fprintf(os.Stderr, "testapp %s: exiting with code %d at start\n", version, code)
		os.Exit(code)
	}
	kept := allocate(number("TESTAPP_ALLOCATE_MB"))
	state := &readiness{start: time.Now()}
	pod, _ := os.Hostname()
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("/ready", func(w http.ResponseWriter, _ *http.Request) {
		if !state.ready(time.Now()) {
			http.Error(w, "not ready", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ready")
	})
	faults := newFaults()
	stats := newMetrics()
	mux.HandleFunc("/metrics", stats.serve)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		started := time.Now()
		code := faults.apply(r.URL.Path)
		if code == http.StatusOK {
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]string{
				"version": version, "greeting": os.Getenv("GREETING"), "pod": pod, "path": r.URL.Path,
			})
		} else {
			// The failing version and pod are named, so a load test can tell whose answer failed.
			http.Error(w, fmt.Sprintf("injected failure by %s on %s", version, pod), code)
		}
		stats.observe(r.URL.Path, code, time.Since(started))
	})
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	server := &http.Server{Addr: ":" + port, Handler: mux}
	go drainOnSigterm(server)
	fmt.Printf("testapp %s listening on :%s (%d MiB held)\n", version, port, len(kept)*8)
	if err := server.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(os.Stderr, "testapp:", err)
		os.Exit(1)
	}
	select {} // drainOnSigterm exits
}

// drainOnSigterm behaves like a production service: a terminating pod may
// still get connections until every node's proxy has dropped it from the
// endpoints, so it keeps serving for a second, then finishes what is in
// flight (within the pods' 2 s grace period) and exits 0.
func drainOnSigterm(server *http.Server) {
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM)
	<-signals
	time.Sleep(time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 800*time.Millisecond)
	defer cancel()
	_ = server.Shutdown(ctx)
	os.Exit(0)
}
