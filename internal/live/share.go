package live

import (
	"context"

	"github.com/bizgraph/bizgraph/internal/audit"
)

// Subscribers whose document, variables and rights are the same would
// receive the same bytes for every event: Share runs their subscription
// once, as a group, and hands each message's bytes to every member, so
// the statements an event costs grow with the groups, not with the
// subscribers. Each member keeps its own bounded buffer and is ended
// alone when it fills (ErrSlowConsumer); the group carries on for the
// others. A group lives while it has members: the last one leaving ends
// its resolution. A subscriber that resumes (Last-Event-ID) does not
// share: it catches up alone, from the table.

// Message is one message of a shared resolution, as each member of its
// group receives it.
type Message struct {
	// EventID is the event the message answers; 0 for none (an error
	// answered at subscribing).
	EventID int64
	// Payload is the GraphQL response, as JSON.
	Payload []byte
	// Uses are the sensitive reads the resolution made, recorded once for
	// each member that receives the message: each is a reader.
	Uses audit.Uses
}

// Resolve is a group's resolution: its next message, waiting for the
// event; nil when the stream has ended, and why (nil: it completed).
type Resolve func() (*Message, error)

// Sharing is how a subscriber joins its group.
type Sharing struct {
	// Key identifies the group: equal keys must mean equal bytes for every
	// event (the document, the variables, policy.RightsKey).
	Key string
	// Reader is who the member is, for the audit of what it receives.
	Reader audit.Reader
	// Hold is taken for each resolution of the group (Stream.Hold).
	Hold func(context.Context) (release func(), err error)
	// Start begins the group's resolution, when the subscriber is its
	// first member, in a context of the group's own: it carries the
	// group's Stream, lasts as long as the group and has the first
	// member's values (its caller, whose rights all members share).
	Start func(ctx context.Context) (Resolve, error)
}

type group struct {
	key     string
	stream  *Stream
	members map[*Member]struct{}
	cancel  context.CancelFunc
}

// Member is one subscriber of a group: the messages it has yet to take.
type Member struct {
	f      *Feed
	g      *group
	reader audit.Reader
	c      chan *Message
	done   chan struct{}
	err    error
}

// Share joins the group of sh.Key, starting it when there is none. The
// member's messages are those resolved after it joined; Start's error,
// the stream's end and an overflowing buffer end it (Next).
func (f *Feed) Share(ctx context.Context, sh Sharing) (*Member, error) {
	select {
	case <-f.ready:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return nil, ErrShutdown
	}
	g := f.groups[sh.Key]
	first := g == nil
	var gctx context.Context
	if first {
		// The group's resolution outlives its first member, who may leave
		// first: its context keeps the member's values but not its end.
		var cancel context.CancelFunc
		gctx, cancel = context.WithCancel(context.WithoutCancel(ctx))
		g = &group{key: sh.Key, stream: NewStream(nil), members: map[*Member]struct{}{}, cancel: cancel}
		g.stream.group, g.stream.Hold = g, sh.Hold
		f.groups[sh.Key] = g
	}
	m := &Member{f: f, g: g, reader: sh.Reader, c: make(chan *Message, f.cfg.Buffer), done: make(chan struct{})}
	g.members[m] = struct{}{}
	f.mu.Unlock()
	if first {
		resolve, err := sh.Start(WithStream(gctx, g.stream))
		if err != nil {
			f.endGroup(g, err)
		} else {
			go f.run(g, resolve)
		}
	}
	return m, nil
}

// run hands each message of g's resolution to its members until it ends.
func (f *Feed) run(g *group, resolve Resolve) {
	for {
		msg, err := resolve()
		if msg == nil {
			f.endGroup(g, err)
			return
		}
		f.fanOut(g, msg)
	}
}

// fanOut hands msg to every member without waiting: a member whose
// buffer is full is ended alone. Its sensitive reads are recorded for
// each member that received it, all at once.
func (f *Feed) fanOut(g *group, msg *Message) {
	f.mu.Lock()
	readers := make([]audit.Reader, 0, len(g.members))
	for m := range g.members {
		select {
		case m.c <- msg:
			readers = append(readers, m.reader)
		default:
			f.leave(m, ErrSlowConsumer)
		}
	}
	f.mu.Unlock()
	msg.Uses.RecordFor(readers)
}

// endGroup ends g and its members with err (nil: completed).
func (f *Feed) endGroup(g *group, err error) {
	f.mu.Lock()
	for m := range g.members {
		f.leave(m, err)
	}
	if f.groups[g.key] == g {
		delete(f.groups, g.key)
	}
	f.mu.Unlock()
	g.cancel()
}

// leave ends m with err (nil: its subscriber closed it); the last member
// leaving ends the group's resolution. f.mu is held.
func (f *Feed) leave(m *Member, err error) {
	g := m.g
	if _, ok := g.members[m]; !ok {
		return
	}
	delete(g.members, m)
	m.err = err
	close(m.done)
	if len(g.members) == 0 {
		if f.groups[g.key] == g {
			delete(f.groups, g.key)
		}
		g.cancel()
	}
}

// Next is the member's next message, waiting for it; an error when the
// member's stream ended: nil and nil when it completed, ErrSlowConsumer,
// ErrShutdown, the group's reason or ctx's.
func (m *Member) Next(ctx context.Context) (*Message, error) {
	// What the buffer holds is taken before an end is reported, except
	// after an overflow, whose stream has a gap.
	select {
	case msg := <-m.c:
		return m.unlessOverflowed(msg)
	default:
	}
	select {
	case msg := <-m.c:
		return m.unlessOverflowed(msg)
	case <-m.done:
		select {
		case msg := <-m.c: // handed out before the end
			return m.unlessOverflowed(msg)
		default:
			return nil, m.err
		}
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (m *Member) unlessOverflowed(msg *Message) (*Message, error) {
	select {
	case <-m.done:
		if m.err == ErrSlowConsumer {
			return nil, ErrSlowConsumer
		}
	default:
	}
	return msg, nil
}

// Close ends the membership; its subscriber is gone.
func (m *Member) Close() {
	m.f.mu.Lock()
	m.f.leave(m, nil)
	m.f.mu.Unlock()
}

// Groups is how many shared resolutions run, for metrics and tests.
func (f *Feed) Groups() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.groups)
}
