package webhook_test

import (
	"net/http"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/bizgraph/bizgraph/internal/webhook"
)

// BenchmarkDelivery measures, with the default settings (but
// AllowPrivateNetworks), to one endpoint whose receiver answers at once:
//
//   - throughput: b.N writes of one event each, by 8 writers across 32
//     entities as fast as they go, from the first commit to the receipt of
//     the last event;
//   - latency from a write's commit to the receipt of its event, at a pace
//     the delivery keeps up with (200 writes, 20 a second), p50 and p99.
//
// go test ./internal/webhook -run '^$' -bench Delivery -benchtime 1000x
func BenchmarkDelivery(b *testing.B) {
	f := newFixture(b, webhook.Config{AllowPrivateNetworks: true}, true)
	var mu sync.Mutex
	received := map[int]time.Time{}
	rc := newReceiver(b, func(n int, m message, w http.ResponseWriter, r *http.Request) int {
		mu.Lock()
		if _, ok := received[m.Seq]; !ok {
			received[m.Seq] = time.Now()
		}
		mu.Unlock()
		return http.StatusNoContent
	})
	f.endpoint(rc.URL, "*")
	arrived := func(n int) func() bool {
		return func() bool {
			mu.Lock()
			defer mu.Unlock()
			return len(received) >= n
		}
	}

	const writers, entities = 8, 32
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for seq := w + 1; seq <= b.N; seq += writers {
				f.write(seq, "P"+strconv.Itoa(seq%entities))
			}
		}()
	}
	wg.Wait()
	rc.await(b, "every event of the burst", arrived(b.N))
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "events/s")
	b.StopTimer()

	const paced = 200
	committed := make(map[int]time.Time, paced)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for i := 1; i <= paced; i++ {
		<-tick.C
		seq := b.N + i
		f.write(seq, "P"+strconv.Itoa(seq%entities))
		committed[seq] = time.Now()
	}
	rc.await(b, "every paced event", arrived(b.N+paced))
	lat := make([]time.Duration, 0, paced)
	for seq, at := range committed {
		lat = append(lat, received[seq].Sub(at))
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Milliseconds()), "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Milliseconds()), "p99-ms")
	b.ReportMetric(0, "ns/op")
}
