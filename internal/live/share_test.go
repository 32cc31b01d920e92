package live_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/bizgraph/bizgraph/internal/live"
)

// source is a group's resolution driven by the test: each message sent
// on msgs is the group's next; closing msgs completes it.
type source struct {
	msgs   chan *live.Message
	starts int
	ctx    context.Context
}

func (s *source) sharing(key string) live.Sharing {
	return live.Sharing{Key: key, Start: func(ctx context.Context) (live.Resolve, error) {
		s.starts++
		s.ctx = ctx
		return func() (*live.Message, error) {
			select {
			case m, ok := <-s.msgs:
				if !ok {
					return nil, nil
				}
				return m, nil
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}, nil
	}}
}

func join(t *testing.T, f *live.Feed, sh live.Sharing) *live.Member {
	t.Helper()
	m, err := f.Share(context.Background(), sh)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	return m
}

func nextOf(t *testing.T, m *live.Member) (*live.Message, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	msg, err := m.Next(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		t.Fatal("no message in 10 s")
	}
	return msg, err
}

// Members of one key share one resolution and receive the same messages;
// a member that does not take its messages is ended alone when its buffer
// overflows (SLOW_CONSUMER), and the others carry on.
func TestShare_OneResolutionPerGroupASlowMemberEndsAlone(t *testing.T) {
	fx := start(t, live.Config{Buffer: 2})
	src := &source{msgs: make(chan *live.Message)}
	reader := join(t, fx.feed, src.sharing("k"))
	slow := join(t, fx.feed, src.sharing("k"))
	if src.starts != 1 || fx.feed.Groups() != 1 {
		t.Fatalf("%d resolutions started, %d groups; want one", src.starts, fx.feed.Groups())
	}
	for i := 1; i <= 4; i++ {
		src.msgs <- &live.Message{EventID: int64(i), Payload: fmt.Appendf(nil, `{"n":%d}`, i)}
		got, err := nextOf(t, reader)
		if err != nil || got.EventID != int64(i) {
			t.Fatalf("message %d: got %v, %v", i, got, err)
		}
	}
	// The slow member held two (its buffer) when the third came.
	if _, err := nextOf(t, slow); !errors.Is(err, live.ErrSlowConsumer) {
		t.Fatalf("the slow member: %v; want SLOW_CONSUMER", err)
	}

	// The last member leaving ends the resolution; the next subscriber
	// starts another.
	reader.Close()
	select {
	case <-src.ctx.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the group's resolution still runs with no member")
	}
	again := join(t, fx.feed, src.sharing("k"))
	if src.starts != 2 {
		t.Fatalf("%d resolutions started; want a second", src.starts)
	}
	close(src.msgs)
	if msg, err := nextOf(t, again); msg != nil || err != nil {
		t.Fatalf("a completed group: %v, %v; want the end without an error", msg, err)
	}
}

// Different keys are different groups, each with its own resolution.
func TestShare_DifferentKeysAreDifferentGroups(t *testing.T) {
	fx := start(t, live.Config{})
	a, b := &source{msgs: make(chan *live.Message, 1)}, &source{msgs: make(chan *live.Message, 1)}
	ma := join(t, fx.feed, a.sharing("viewer"))
	mb := join(t, fx.feed, b.sharing("hr"))
	if a.starts != 1 || b.starts != 1 || fx.feed.Groups() != 2 {
		t.Fatalf("starts %d and %d, %d groups; want one each", a.starts, b.starts, fx.feed.Groups())
	}
	a.msgs <- &live.Message{EventID: 1, Payload: []byte(`"a"`)}
	b.msgs <- &live.Message{EventID: 1, Payload: []byte(`"b"`)}
	if got, _ := nextOf(t, ma); string(got.Payload) != `"a"` {
		t.Fatalf("viewer's group got %s", got.Payload)
	}
	if got, _ := nextOf(t, mb); string(got.Payload) != `"b"` {
		t.Fatalf("hr's group got %s", got.Payload)
	}
}
