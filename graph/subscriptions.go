package graph

import (
	"context"
	"slices"
	"time"

	"github.com/bizgraph/bizgraph/internal/apperr"
	"github.com/bizgraph/bizgraph/internal/database"
	"github.com/bizgraph/bizgraph/internal/events"
	"github.com/bizgraph/bizgraph/internal/live"
	"github.com/bizgraph/bizgraph/internal/store"
)

// The subscriptions are thin too: internal/live says which committed
// events concern the subscriber, and each message is read through the
// store with the subscriber's context, as a query at that moment would
// read it: the same row scopes, the same directives on its fields, every
// message afresh (a right lost since the last message applies to the
// next).

// follow streams what resolve makes of each event opts matches. resolve
// answers ok false to skip an event (an entity the subscriber may not
// see), an error to end the subscription with it.
func follow[T any](ctx context.Context, r *Resolver, opts live.Options,
	resolve func(ctx context.Context, e *live.Event) (v T, ok bool, err error)) (<-chan T, error) {
	if r.Live == nil {
		return nil, apperr.New(apperr.BadRequest, "this server serves no subscriptions")
	}
	stream := live.StreamFrom(ctx)
	if stream != nil {
		opts.After = stream.After
	}
	sub, err := r.Live.Subscribe(ctx, opts)
	if err != nil {
		return nil, err
	}
	out := make(chan T)
	go func() {
		defer close(out)
		defer sub.Close()
		for {
			e, err := sub.Next(ctx)
			if err != nil {
				if ctx.Err() == nil {
					stream.End(err)
				}
				return
			}
			// A shared resolution holds an execution slot from here until
			// its transport has taken the message (Stream.Hold).
			release, err := stream.Acquire(ctx)
			if err != nil {
				return // ctx ended
			}
			v, ok, err := resolveOnceUp(ctx, r.Live, func() (T, bool, error) { return resolve(ctx, e) })
			if err != nil {
				release()
				if ctx.Err() == nil {
					stream.End(err)
				}
				return
			}
			if !ok {
				release()
				continue
			}
			stream.Stamp(ctx, e.ID, release)
			select {
			case out <- v:
			case <-ctx.Done():
				release()
				return
			}
		}
	}()
	return out, nil
}

// resolveOnceUp runs resolve in a turn of the feed's. While the database
// is unavailable or its pool exhausted (a restart, a failover), it tries
// again with backoff, for as long as the subscriber stays: the event
// stays the subscriber's next message, instead of the subscription ending
// with UNAVAILABLE and losing what comes after (a graphql-ws client does
// not subscribe again after an error).
func resolveOnceUp[T any](ctx context.Context, feed *live.Feed, resolve func() (T, bool, error)) (T, bool, error) {
	backoff := 50 * time.Millisecond
	for {
		release, err := feed.Turn(ctx)
		if err != nil {
			var zero T
			return zero, false, err
		}
		v, ok, err := resolve()
		release()
		if f := database.Fault(err); f == nil || f.Code != apperr.Unavailable && f.Code != apperr.Overloaded {
			return v, ok, err
		}
		select {
		case <-ctx.Done():
			return v, ok, ctx.Err()
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 2*time.Second)
	}
}

// followEntity streams the entity of type typ with id gid, read with the
// subscription's selection after each event match accepts. The entity
// must be visible when subscribing, and the subscription ends with
// NOT_FOUND once it no longer is.
func followEntity[T store.Node](ctx context.Context, r *Resolver, typ, gid string, match func(*live.Event) bool) (<-chan T, error) {
	sel := selection(ctx)
	read := func(ctx context.Context) (T, bool, error) {
		v, err := store.NodeOf[T](ctx, r.Store, typ, gid, sel)
		if err != nil {
			return v, false, err
		}
		if isNil(v) {
			return v, false, apperr.New(apperr.NotFound, "no %s with id %q is visible to you", typ, gid)
		}
		return v, true, nil
	}
	if _, _, err := read(ctx); err != nil {
		return nil, err
	}
	return follow(ctx, r, live.Options{Match: match}, func(ctx context.Context, _ *live.Event) (T, bool, error) {
		return read(ctx)
	})
}

func isNil[T store.Node](v T) bool {
	var zero T
	return any(v) == any(zero)
}

// timeEntriesLogged streams the time entries logged on a project and/or
// by an employee; an entry the subscriber may not see (or deleted since)
// is skipped.
func timeEntriesLogged(ctx context.Context, r *Resolver, projectID, employeeID *string) (<-chan *store.TimeEntry, error) {
	sel := selection(ctx)
	match := func(e *live.Event) bool {
		return e.Type == events.TimeEntryLogged &&
			(projectID == nil || e.Ref("project") == *projectID) && (employeeID == nil || e.Ref("employee") == *employeeID)
	}
	return follow(ctx, r, live.Options{Match: match}, func(ctx context.Context, e *live.Event) (*store.TimeEntry, bool, error) {
		v, err := store.NodeOf[*store.TimeEntry](ctx, r.Store, "TimeEntry", e.EntityID, sel)
		return v, v != nil, err
	})
}

// rawEvents streams the events of the given types (all when nil) whose
// entity the subscriber may see (store.Visible), checked per event.
func rawEvents(ctx context.Context, r *Resolver, types []string) (<-chan *live.Event, error) {
	match := func(e *live.Event) bool { return types == nil || slices.Contains(types, e.Type) }
	return follow(ctx, r, live.Options{Match: match}, func(ctx context.Context, e *live.Event) (*live.Event, bool, error) {
		ok, err := r.Store.Visible(ctx, e.EntityID)
		return e, ok, err
	})
}
