package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// newClient is the HTTP client of one cell: keep-alive connections, one per
// worker, reused from the warm-up into the measured run. It asks for no
// compression, so both servers send the same identity-encoded bytes.
func newClient(concurrency int) *http.Client {
	return &http.Client{
		Timeout: 2 * time.Minute, // a bound, above the server's own (REQUEST_TIMEOUT=90s)
		Transport: &http.Transport{
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConnsPerHost: concurrency,
			DisableCompression:  true,
		},
	}
}

// post sends op once, outside any measurement, and hands the answer back
// to its feeder.
func post(client *http.Client, url string, op *operation) (int, []byte, error) {
	body, slot, err := op.request()
	if err != nil {
		return 0, nil, err
	}
	status, answer, err := postBody(client, url, op.authorization(), body)
	op.answered(slot, status, answer)
	return status, answer, err
}

func postBody(client *http.Client, url, authorization string, body []byte) (int, []byte, error) {
	req, err := http.NewRequest(http.MethodPost, url+"/graphql", bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", authorization)
	res, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	answer, err := io.ReadAll(res.Body)
	return res.StatusCode, answer, err
}

// phase is what one attack returned.
type phase struct {
	requests  int
	errors    int
	firstErr  string
	elapsed   time.Duration // first request sent to last answer received
	latencies []time.Duration
}

// attack sends op to url from `concurrency` workers, each sending its next
// request as soon as the last is answered (a closed loop: rate 0 means as
// fast as the server answers), for d. Every answer is checked, not only its
// status.
func attack(ctx context.Context, client *http.Client, url string, op *operation, concurrency int, d time.Duration) phase {
	if d <= 0 {
		return phase{} // vegeta attacks forever for a zero duration; --warmup 0 and --prime 0 mean none
	}
	a := vegeta.NewAttacker(
		vegeta.Client(client),
		vegeta.Workers(uint64(concurrency)),
		vegeta.MaxWorkers(uint64(concurrency)), // no more workers than that, however slow the answers
		vegeta.MaxBody(-1),                     // the whole body, to check it
	)
	stop := context.AfterFunc(ctx, func() { a.Stop() })
	defer stop()
	header := http.Header{"Content-Type": {"application/json"}, "Authorization": {op.authorization()}}
	// Each request's body comes from the operation (a write's differs from
	// the last), and the slot it was made from rides in the URL's fragment,
	// which the client does not send but the result carries back.
	target := func(t *vegeta.Target) error {
		body, slot, err := op.request()
		if err != nil {
			return err
		}
		*t = vegeta.Target{Method: http.MethodPost, URL: url + "/graphql#" + strconv.Itoa(slot), Body: body, Header: header}
		return nil
	}
	var m vegeta.Metrics
	p := phase{latencies: make([]time.Duration, 0, 4096)}
	for res := range a.Attack(target, vegeta.Rate{Freq: 0}, d, op.Name) {
		if _, frag, ok := strings.Cut(res.URL, "#"); ok {
			if slot, err := strconv.Atoi(frag); err == nil {
				op.answered(slot, int(res.Code), res.Body)
			}
		}
		m.Add(res)
		p.requests++
		p.latencies = append(p.latencies, res.Latency)
		err := op.verdict(int(res.Code), res.Body)
		if res.Error != "" && res.Code == 0 {
			err = fmt.Errorf("%s", res.Error)
		}
		if err != nil {
			p.errors++
			if p.firstErr == "" {
				p.firstErr = err.Error()
			}
		}
	}
	m.Close()
	p.elapsed = m.Duration + m.Wait
	return p
}

// quantile is the nearest-rank q-quantile of sorted latencies: exact, from
// every request of the run.
func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[max(i, 0)]
}

// cell is one operation at one concurrency against one server.
type cell struct {
	Operation   string  `json:"operation"`
	Server      string  `json:"server"` // "api" or "ceiling"
	Concurrency int     `json:"concurrency"`
	Requests    int     `json:"requests"`        // in the measured run
	WarmupReqs  int     `json:"warmup_requests"` // before it
	RPS         float64 `json:"rps"`
	P50ms       float64 `json:"p50_ms"`
	P95ms       float64 `json:"p95_ms"`
	P99ms       float64 `json:"p99_ms"`
	Errors      int     `json:"errors"` // warm-up and measured run
	FirstError  string  `json:"first_error,omitempty"`
	// Statements per request as PostgreSQL counted them over the warm-up and
	// the measured run; NaN when not read.
	Statements float64 `json:"statements"`
	// Others is how many other clients used the database in the window (their
	// statements are in Statements too); 0 for a clean figure.
	Others int64 `json:"others"`
	// Evicted says pg_stat_statements dropped entries in the window, so
	// Statements may have lost some.
	Evicted  bool  `json:"evicted,omitempty"`
	PeakRSS  int64 `json:"peak_rss_bytes"`
	RSSReset bool  `json:"rss_reset"` // the peak is this cell's, not the process's life's
	// ServerCPUms and PostgresCPUms are the CPU time the server process and
	// the whole PostgreSQL server used over the measured run, per request
	// (ms); 0 where not read (PostgreSQL on another machine).
	ServerCPUms   float64 `json:"server_cpu_ms,omitempty"`
	PostgresCPUms float64 `json:"postgres_cpu_ms,omitempty"`
}

func (c *cell) measured(p phase) {
	slices.Sort(p.latencies)
	c.Requests = p.requests
	c.Errors += p.errors
	if c.FirstError == "" {
		c.FirstError = p.firstErr
	}
	if s := p.elapsed.Seconds(); s > 0 {
		c.RPS = float64(p.requests-p.errors) / s
	}
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	c.P50ms = ms(quantile(p.latencies, 0.50))
	c.P95ms = ms(quantile(p.latencies, 0.95))
	c.P99ms = ms(quantile(p.latencies, 0.99))
}
