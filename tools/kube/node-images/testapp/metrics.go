package main

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// Bucket bounds in seconds, as Prometheus client libraries default to.
var bounds = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

type histogram struct {
	buckets []uint64
	count   uint64
	sum     float64
}

// metrics counts the answered requests per route and code, and their durations per route.
type metrics struct {
	mu        sync.Mutex
	requests  map[[2]string]uint64
	durations map[string]*histogram
}

func newMetrics() *metrics {
	return &metrics{requests: map[[2]string]uint64{}, durations: map[string]*histogram{}}
}

func (m *metrics) observe(route string, code int, took time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests[[2]string{route, fmt.Sprint(code)}]++
	h := m.durations[route]
	if h == nil {
		h = &histogram{buckets: make([]uint64, len(bounds))}
		m.durations[route] = h
	}
	s := took.Seconds()
	for i, b := range bounds {
		if s <= b {
			h.buckets[i]++
		}
	}
	h.count++
	h.sum += s
}

func quote(v string) string { return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(v) }

func (m *metrics) serve(w http.ResponseWriter, _ *http.Request) {
	m.mu.Lock()
	defer m.mu.Unlock()
	w.Header().Set("Content-Type", "text/plain; version=0.0.4")
	fmt.Fprintln(w, "# TYPE http_requests_total counter")
	keys := make([][2]string, 0, len(m.requests))
	for k := range m.requests {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i][0]+keys[i][1] < keys[j][0]+keys[j][1] })
	for _, k := range keys {
		fmt.Fprintf(w, "http_requests_total{route=\"%s\",code=\"%s\"} %d\n", quote(k[0]), k[1], m.requests[k])
	}
	fmt.Fprintln(w, "# TYPE http_request_duration_seconds histogram")
	routes := make([]string, 0, len(m.durations))
	for r := range m.durations {
		routes = append(routes, r)
	}
	sort.Strings(routes)
	for _, r := range routes {
		h := m.durations[r]
		for i, b := range bounds {
			fmt.Fprintf(w, "http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %d\n", quote(r), b, h.buckets[i])
		}
		fmt.Fprintf(w, "http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %d\n", quote(r), h.count)
		fmt.Fprintf(w, "http_request_duration_seconds_sum{route=\"%s\"} %g\n", quote(r), h.sum)
		fmt.Fprintf(w, "http_request_duration_seconds_count{route=\"%s\"} %d\n", quote(r), h.count)
	}
}
