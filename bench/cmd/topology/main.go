// Command topology starts bizgraph on this machine as it runs on several
// (internal/topology): a PostgreSQL primary and its streaming replica, two
// API replicas and HAProxy in front, and keeps them running until Ctrl-C.
// Run it with `make topology` (scripts/topology, which installs HAProxy
// if it is missing).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/bizgraph/bizgraph/internal/topology"
)

func main() {
	dir := flag.String("dir", "", "where the clusters, the binary and the logs go; empty: a new temporary directory, removed at exit")
	goCmd := flag.String("go", "go", "the go command that builds the API")
	scale := flag.Float64("scale", 0.01, "scale of the seeded data")
	flag.Parse()
	if err := run(*dir, *goCmd, *scale); err != nil {
		fmt.Fprintln(os.Stderr, "topology:", err)
		os.Exit(1)
	}
}

func run(dir, goCmd string, scale float64) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if dir == "" {
		d, err := os.MkdirTemp("", "bizgraph-topology-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	t, err := topology.Start(ctx, topology.Options{Dir: dir, Go: goCmd, Scale: scale, Log: os.Stderr})
	if err != nil {
		return err
	}
	defer t.Close()
	fmt.Printf(`
balancer (HAProxy)  %s/graphql
api1                %s  metrics %s/metrics
api2                %s  metrics %s/metrics
primary             %s
replica             %s
logs                %s
token (admin)       %s

curl -s %s/graphql -H 'Authorization: Bearer %s' -H 'Content-Type: application/json' -d '{"query":"{ customers { totalCount } }"}'

Ctrl-C stops everything.
`, t.URL, t.APIs[0].URL, t.APIs[0].MetricsURL, t.APIs[1].URL, t.APIs[1].MetricsURL,
		t.PrimaryURL, t.ReplicaURL, dir, t.Token, t.URL, t.Token)
	<-ctx.Done()
	fmt.Fprintln(os.Stderr, "stopping")
	return nil
}
