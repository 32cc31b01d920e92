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
	// Hold, when set, is taken before each message is resolved and given
	// back once the transport has taken the message (Taken): a shared
	// resolution holds an execution slot (admission.Gate.Hold) for as long
	// as it reads, as one operation. nil: no slot is held.
	Hold func(context.Context) (release func(), err error)

	ids chan stamp
	mu  sync.Mutex
	err error
	// group is the group whose resolution this is (Share); nil for a
	// subscriber's own.
	group *group
}

// stamp is the event a message answers and the hold its resolution took.
type stamp struct {
	id      int64
	release func()
}

// NewStream is a stream resuming after the event after (nil: from now).
func NewStream(after *int64) *Stream {
	return &Stream{After: after, ids: make(chan stamp, 1)}
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

// Acquire takes the stream's Hold for the resolution of the next
// message; release gives it back, as Taken does once the message is
// taken (whichever comes first). Without a Hold there is nothing to take.
func (s *Stream) Acquire(ctx context.Context) (release func(), err error) {
	if s == nil || s.Hold == nil {
		return func() {}, nil
	}
	r, err := s.Hold(ctx)
	if err != nil {
		return nil, err
	}
	var once sync.Once
	return func() { once.Do(r) }, nil
}

// Stamp says that the next message answers event id, its resolution
// holding what release gives back. The resolver calls it before handing
// the message over; it waits until the transport has taken the previous
// stamp, so stamps and messages pair up in order.
func (s *Stream) Stamp(ctx context.Context, id int64, release func()) {
	if s == nil {
		release()
		return
	}
	select {
	case s.ids <- stamp{id, release}:
	case <-ctx.Done():
		release()
	}
}

// Taken is the event the message just written answers (0 when none was
// stamped), and gives back what its resolution held.
func (s *Stream) Taken() int64 {
	select {
	case st := <-s.ids:
		st.release()
		return st.id
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
