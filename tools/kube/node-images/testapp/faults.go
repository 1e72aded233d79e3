package main

import (
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// faults injects the configured errors and latency into the answers of one route.
type faults struct {
	mu      sync.Mutex
	route   string
	rate    float64
	latency time.Duration
	count   int
}

func fraction(name string) float64 {
	v := os.Getenv(name)
	if v == "" {
		return 0
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 0 || f > 1 {
		fmt.Fprintf(os.Stderr, "testapp: %s=%q is not a fraction between 0 and 1\n", name, v)
		os.Exit(2)
	}
	return f
}

func newFaults() *faults {
	route := os.Getenv("TESTAPP_ERROR_ROUTE")
	if route == "" {
		route = "/"
	}
	return &faults{
		route:   route,
		rate:    fraction("TESTAPP_ERROR_RATE"),
		latency: time.Duration(number("TESTAPP_LATENCY_MS")) * time.Millisecond,
	}
}

// apply sleeps the injected latency and returns the status to answer with.
// The n-th request fails when floor(n*rate) grows, so any 10 consecutive
// requests at rate 0.3 hold exactly 3 failures.
func (f *faults) apply(path string) int {
	if !strings.HasPrefix(path, f.route) {
		return http.StatusOK
	}
	if f.latency > 0 {
		time.Sleep(f.latency)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	before := int(float64(f.count) * f.rate)
	f.count++
	if int(float64(f.count)*f.rate) > before {
		return http.StatusInternalServerError
	}
	return http.StatusOK
}
