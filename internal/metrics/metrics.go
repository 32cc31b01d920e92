// Package metrics is what the server tells Prometheus (on METRICS_ADDR,
// apart from the API): how long
// each GraphQL operation takes, which errors clients get, how many
// statements a request costs and how many parents each batched relation
// load covers, what the admission step holds, and the connection pool's
// use.
package metrics

import (
	"database/sql"
	"errors"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds the server's collectors, in a registry of its own (so two
// servers in one test process do not collide).
type Metrics struct {
	reg        *prometheus.Registry
	operations *prometheus.HistogramVec
	errors     *prometheus.CounterVec
	statements prometheus.Histogram
	batches    *prometheus.HistogramVec
}

// New returns the collectors, registered with the Go runtime's and the
// process's own.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		operations: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "bizgraph_operation_duration_seconds",
			Help: "Time to answer a GraphQL operation, from the request's arrival to the response written, by operation name.",
			// From a node lookup (~1 ms) to the request timeout.
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"operation"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bizgraph_errors_total",
			Help: "Errors in GraphQL responses, by extensions.code.",
		}, []string{"code"}),
		statements: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "bizgraph_statements_per_request",
			Help:    "SQL statements one GraphQL request sent: one per level of the graph it reads.",
			Buckets: []float64{0, 1, 2, 3, 4, 5, 6, 8, 10, 15, 20, 50},
		}),
		batches: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "bizgraph_loader_batch_size",
			Help:    "Parent rows one batched relation load covered (one statement for all of them), by relation.",
			Buckets: prometheus.ExponentialBuckets(1, 4, 8), // 1 .. 16384
		}, []string{"relation"}),
	}
	m.reg.MustRegister(m.operations, m.errors, m.statements, m.batches,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// WatchAdmission exports what the admission step holds at each scrape
// (internal/admission): bizgraph_operations_executing and
// bizgraph_operations_waiting (queries and mutations), and
// bizgraph_subscriptions_open. load reports the three.
func (m *Metrics) WatchAdmission(load func() (executing, waiting, subscriptions int)) {
	for _, g := range []struct {
		name, help string
		pick       func() int
	}{
		{"bizgraph_operations_executing", "Queries and mutations holding an execution slot now.",
			func() int { e, _, _ := load(); return e }},
		{"bizgraph_operations_waiting", "Queries and mutations waiting in line for an execution slot now.",
			func() int { _, w, _ := load(); return w }},
		{"bizgraph_subscriptions_open", "Subscriptions open now.",
			func() int { _, _, s := load(); return s }},
	} {
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: g.name, Help: g.help},
			func() float64 { return float64(g.pick()) }))
	}
}

// Handler serves the metrics in Prometheus' text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// WatchDB exports db's pool statistics (go_sql_* with db_name="bizgraph":
// open, in use and idle connections, waits for a connection and their
// total duration) when they are scraped.
func (m *Metrics) WatchDB(db *sql.DB) { m.WatchDBNamed(db, "bizgraph") }

// WatchDBNamed is WatchDB for another pool (a read replica's), under
// db_name=name.
func (m *Metrics) WatchDBNamed(db *sql.DB, name string) {
	err := m.reg.Register(collectors.NewDBStatsCollector(db, name))
	if are := (prometheus.AlreadyRegisteredError{}); err != nil && !errors.As(err, &are) {
		panic(err) // a collector with clashing descriptors: a bug
	}
}

// ObserveOperation records one answered GraphQL operation. Its label is
// name only when registered says the operation is a trusted document (a
// name the operators shipped): names sent with text or automatically
// persisted documents come from clients, and each label value is a series
// of its own, so they are all "other" and junk names cannot crowd out the
// shipped ones. An unnamed operation is "anonymous".
func (m *Metrics) ObserveOperation(name string, registered bool, took time.Duration, statements int64) {
	label := name
	switch {
	case name == "":
		label = "anonymous"
	case !registered:
		label = "other"
	}
	m.operations.WithLabelValues(label).Observe(took.Seconds())
	m.statements.Observe(float64(statements))
}

// CountError records one error sent to a client.
func (m *Metrics) CountError(code string) {
	m.errors.WithLabelValues(code).Inc()
}

// ObserveBatch records one batched relation load over parents rows.
func (m *Metrics) ObserveBatch(relation string, parents int) {
	m.batches.WithLabelValues(relation).Observe(float64(parents))
}

// Pool is what the metrics say of a database pool: the primary or a read
// replica.
type Pool struct {
	Name    string
	Replica bool
	// InUse: reads may go there now.
	InUse bool
	// Lag is how far behind the primary a replica is, in seconds; NaN when
	// unknown, 0 for the primary.
	Lag float64
	// Replayed is how far a replica has replayed the primary's log (an
	// LSN, in bytes); 0 for the primary.
	Replayed float64
	// Reads counts the query operations that read there.
	Reads int64
	// RecoveryConflicts counts a replica's statements it cancelled for a
	// conflict with recovery, read again on the primary.
	RecoveryConflicts int64
}

// WatchPools exports, at each scrape, the pools pools reports:
// bizgraph_db_pool_in_use, bizgraph_db_pool_reads_total,
// bizgraph_replica_lag_seconds, bizgraph_replica_replayed_bytes and
// bizgraph_replica_recovery_conflicts_total, each by pool.
func (m *Metrics) WatchPools(pools func() []Pool) {
	m.reg.MustRegister(poolCollector(pools))
}

var (
	poolInUse = prometheus.NewDesc("bizgraph_db_pool_in_use",
		"1 when reads may go to the pool now (the primary takes writes always), 0 when it is out.", []string{"pool"}, nil)
	poolReads = prometheus.NewDesc("bizgraph_db_pool_reads_total",
		"Query operations that read from the pool.", []string{"pool"}, nil)
	replicaLag = prometheus.NewDesc("bizgraph_replica_lag_seconds",
		"How far behind the primary a read replica was at its last check; NaN when unknown.", []string{"pool"}, nil)
	replicaReplayed = prometheus.NewDesc("bizgraph_replica_replayed_bytes",
		"How far a read replica had replayed the primary's write-ahead log at its last check (its LSN).", []string{"pool"}, nil)
	replicaConflicts = prometheus.NewDesc("bizgraph_replica_recovery_conflicts_total",
		"Statements a read replica cancelled for a conflict with recovery, each read again on the primary.", []string{"pool"}, nil)
)

type poolCollector func() []Pool

func (poolCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- poolInUse
	ch <- poolReads
	ch <- replicaLag
	ch <- replicaReplayed
	ch <- replicaConflicts
}

func (c poolCollector) Collect(ch chan<- prometheus.Metric) {
	for _, p := range c() {
		inUse := 0.0
		if p.InUse {
			inUse = 1
		}
		ch <- prometheus.MustNewConstMetric(poolInUse, prometheus.GaugeValue, inUse, p.Name)
		ch <- prometheus.MustNewConstMetric(poolReads, prometheus.CounterValue, float64(p.Reads), p.Name)
		if p.Replica {
			ch <- prometheus.MustNewConstMetric(replicaLag, prometheus.GaugeValue, p.Lag, p.Name)
			ch <- prometheus.MustNewConstMetric(replicaReplayed, prometheus.GaugeValue, p.Replayed, p.Name)
			ch <- prometheus.MustNewConstMetric(replicaConflicts, prometheus.CounterValue, float64(p.RecoveryConflicts), p.Name)
		}
	}
}
