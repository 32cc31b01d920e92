package audit

import (
	"context"
	"sync"
)

// A resolution shared by several readers (live updates: the subscribers
// of one document, variables and rights receive one resolution's bytes)
// reads each sensitive value once, but each reader is a reader of it: the
// audit must say so for each. Capture collects the resolution's uses
// instead of recording them; RecordFor then records them once per reader.

type captureKey struct{}

// Captured is what a resolution recorded in a capturing context.
type Captured struct {
	mu     sync.Mutex
	log    *Log
	events []Event
}

// Capture is ctx capturing what is recorded in it, and what it captures.
func Capture(ctx context.Context) (context.Context, *Captured) {
	c := &Captured{}
	return context.WithValue(ctx, captureKey{}, c), c
}

func (c *Captured) add(l *Log, e Event) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.log = l
	c.events = append(c.events, e)
}

// Take is what has been captured so far, which the capture forgets.
func (c *Captured) Take() Uses {
	c.mu.Lock()
	defer c.mu.Unlock()
	u := Uses{log: c.log, events: c.events}
	c.events = nil
	return u
}

// Uses are the sensitive reads of one resolution, to be recorded for
// each of its readers.
type Uses struct {
	log    *Log
	events []Event
}

// Len is how many uses there are.
func (u Uses) Len() int { return len(u.events) }

// Reader is who received a shared resolution: what an event says of the
// reader, in place of what the resolution's context said.
type Reader struct {
	Subject          string
	Roles            []string
	Operation        string
	RequestID        string
	RequestIDClaimed bool
}

// RecordFor records every use once for each reader, all handed to the
// writer at once (one COPY).
func (u Uses) RecordFor(readers []Reader) {
	if u.log == nil || len(u.events) == 0 || len(readers) == 0 {
		return
	}
	events := make([]Event, 0, len(u.events)*len(readers))
	for _, r := range readers {
		for _, e := range u.events {
			e.Subject, e.Roles, e.Operation, e.RequestID, e.RequestIDClaimed =
				r.Subject, r.Roles, r.Operation, r.RequestID, r.RequestIDClaimed
			events = append(events, e)
		}
	}
	u.log.send(events)
}
