package live

import (
	"context"
	"sync"
)

// Stream is what a transport and a subscription's resolver share about
// one subscription: where it resumes, which event each message answers
// (the transport stamps the message with it), and why it ended. The
// transport puts it in the operation's context (WithStream); a resolver
// finds it with StreamFrom.
type Stream struct {
	// After is the event to resume after (SSE's Last-Event-ID); nil: from
	// now on.
	After *int64

	ids chan int64
	mu  sync.Mutex
	err error
}

// NewStream is a stream resuming after the event after (nil: from now).
func NewStream(after *int64) *Stream {
	return &Stream{After: after, ids: make(chan int64, 1)}
}

type streamKey struct{}

// WithStream is ctx carrying s.
func WithStream(ctx context.Context, s *Stream) context.Context {
	return context.WithValue(ctx, streamKey{}, s)
}

// StreamFrom is the stream in ctx; nil when the transport keeps none.
func StreamFrom(ctx context.Context) *Stream {
	s, _ := ctx.Value(streamKey{}).(*Stream)
	return s
}

// Stamp says that the next message answers event id. The resolver calls
// it before handing the message over; it waits until the transport has
// taken the previous stamp, so stamps and messages pair up in order.
func (s *Stream) Stamp(ctx context.Context, id int64) {
	if s == nil {
		return
	}
	select {
	case s.ids <- id:
	case <-ctx.Done():
	}
}

// Taken is the event the message just written answers; 0 when none was
// stamped.
func (s *Stream) Taken() int64 {
	select {
	case id := <-s.ids:
		return id
	default:
		return 0
	}
}

// End records why the subscription ended (the first reason counts); the
// resolver calls it before closing its channel.
func (s *Stream) End(err error) {
	if s == nil || err == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err == nil {
		s.err = err
	}
}

// Err is why the subscription ended; nil when it simply completed or its
// subscriber left.
func (s *Stream) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}
