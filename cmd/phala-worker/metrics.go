package main

import (
	"errors"
	"fmt"
	"net"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are what the sidecar exports for Prometheus.
type metrics struct {
	nodeHeight    prometheus.Gauge
	enclaveHeight prometheus.Gauge
	lag           prometheus.Gauge
	ingress       prometheus.Counter
	contractCalls prometheus.Counter
	egress        prometheus.Counter
	errors        prometheus.Counter
	registry      *prometheus.Registry
}

func newMetrics() *metrics {
	m := &metrics{
		nodeHeight:    prometheus.NewGauge(prometheus.GaugeOpts{Name: "phala_worker_node_height", Help: "Latest block height of the node."}),
		enclaveHeight: prometheus.NewGauge(prometheus.GaugeOpts{Name: "phala_worker_enclave_synced_height", Help: "Height the enclave has verified."}),
		lag:           prometheus.NewGauge(prometheus.GaugeOpts{Name: "phala_worker_lag_blocks", Help: "Blocks the enclave is behind the node."}),
		ingress:       prometheus.NewCounter(prometheus.CounterOpts{Name: "phala_worker_ingress_delivered_total", Help: "Ingress messages delivered to the enclave."}),
		contractCalls: prometheus.NewCounter(prometheus.CounterOpts{Name: "phala_worker_contract_calls_total", Help: "Contract calls the enclave ran."}),
		egress:        prometheus.NewCounter(prometheus.CounterOpts{Name: "phala_worker_egress_submitted_total", Help: "Egress messages submitted to the chain."}),
		errors:        prometheus.NewCounter(prometheus.CounterOpts{Name: "phala_worker_errors_total", Help: "Failed steps (retried with backoff)."}),
		registry:      prometheus.NewRegistry(),
	}
	m.registry.MustRegister(m.nodeHeight, m.enclaveHeight, m.lag, m.ingress, m.contractCalls, m.egress, m.errors)
	return m
}

// serve exports the metrics on addr at /metrics; it returns the address
// actually listened on (addr may end in :0).
func (m *metrics) serve(addr string) (string, error) {
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("--metrics %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{}))
	go func() {
		if err := http.Serve(lis, mux); err != nil && !errors.Is(err, http.ErrServerClosed) {
			fmt.Println("metrics server:", err)
		}
	}()
	return lis.Addr().String(), nil
}
