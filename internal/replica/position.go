package replica

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/bizgraph/bizgraph/internal/database"
)

// Header is the HTTP header that carries a write position: the answer to a
// mutation has it, and a client sends it back on its next requests so that
// they read a state at least as new as its write.
const Header = "Bizgraph-Write-Position"

// Position is a place in the primary's write-ahead log (an LSN): a state of
// the database. A replica that has replayed up to a position shows every
// write committed before it.
type Position uint64

// ParsePosition reads a position as PostgreSQL writes an LSN: two
// hexadecimal numbers, the high and low 32 bits, separated by a slash
// ("16/B374D848").
func ParsePosition(s string) (Position, error) {
	hi, lo, ok := strings.Cut(s, "/")
	if !ok || hi == "" || lo == "" || len(hi) > 8 || len(lo) > 8 {
		return 0, fmt.Errorf("not a write position: want two hexadecimal numbers separated by a slash, like 0/16B3748")
	}
	h, err1 := strconv.ParseUint(hi, 16, 32)
	l, err2 := strconv.ParseUint(lo, 16, 32)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("not a write position: want two hexadecimal numbers separated by a slash, like 0/16B3748")
	}
	return Position(h<<32 | l), nil
}

// String writes p as PostgreSQL writes an LSN.
func (p Position) String() string {
	return fmt.Sprintf("%X/%X", uint64(p)>>32, uint64(p)&0xFFFFFFFF)
}

// scanPosition reads an LSN PostgreSQL returned as text; "" (NULL) is 0.
func scanPosition(s string) (Position, error) {
	if s == "" {
		return 0, nil
	}
	return ParsePosition(s)
}

// Page headers of the write-ahead log: every page begins with one, the
// first page of a segment with the long one (PostgreSQL's
// SizeOfXLogShortPHD and SizeOfXLogLongPHD).
const (
	shortPageHeader = 24
	longPageHeader  = 40
)

// writePosition reads where the primary's write-ahead log ends now, after a
// write committed: every commit before this moment lies before it.
//
// The insert position rather than the write or flush position: with
// synchronous_commit off a commit returns before its record is written, and
// the insert position is past it all the same. When the log ends exactly at
// a page boundary, PostgreSQL reports the insert position after the next
// page's header, which no record has reached yet and a replica's replay
// position (the end of the last record it replayed) would not pass until
// the next write; so the header is taken off, and a quiet database does not
// keep its writers' reads on the primary.
func writePosition(ctx context.Context, primary *database.DB) (Position, error) {
	var row struct {
		LSN       string
		BlockSize int64
		SegSize   int64
	}
	err := primary.WithContext(ctx).Raw(`SELECT pg_current_wal_insert_lsn()::text AS lsn,
		current_setting('wal_block_size')::bigint AS block_size,
		(SELECT setting::bigint FROM pg_settings WHERE name = 'wal_segment_size') AS seg_size`).Scan(&row).Error
	if err != nil {
		return 0, fmt.Errorf("read the primary's write position: %w", err)
	}
	p, err := scanPosition(row.LSN)
	if err != nil {
		return 0, fmt.Errorf("read the primary's write position: %w", err)
	}
	return pageStart(p, row.BlockSize, row.SegSize), nil
}

// pageStart is p, or the page boundary before it when p is just past a
// page header (see writePosition).
func pageStart(p Position, blockSize, segSize int64) Position {
	if blockSize <= 0 || segSize <= 0 {
		return p
	}
	switch off := int64(p) % blockSize; {
	case off == shortPageHeader && int64(p)%segSize != shortPageHeader:
		return p - shortPageHeader
	case off == longPageHeader && int64(p)%segSize == longPageHeader:
		return p - longPageHeader
	}
	return p
}

// Session is one HTTP request's part in reading its writes: the position
// its reads must have reached (the client's header, raised by the request's
// own mutations, so a batch's query reads what its mutation wrote) and
// whom to tell of a write's position (the response's header). A request
// chooses its pool once: the choice is kept until a write raises the
// position.
type Session struct {
	mu    sync.Mutex
	min   Position
	wrote func(Position)
	// chosen is the replica the request reads from (nil: the primary),
	// once valid.
	chosen *Replica
	valid  bool
}

// NewSession starts a request's session: its reads must reach min (0: any
// state), and wrote hears of the position of each write it commits.
func NewSession(min Position, wrote func(Position)) *Session {
	return &Session{min: min, wrote: wrote}
}

type sessionKey struct{}

// WithSession carries s to the operations of the request.
func WithSession(ctx context.Context, s *Session) context.Context {
	return context.WithValue(ctx, sessionKey{}, s)
}

func sessionOf(ctx context.Context) *Session {
	s, _ := ctx.Value(sessionKey{}).(*Session)
	return s
}

// Min is the position the request's reads must have reached.
func (s *Session) Min() Position {
	if s == nil {
		return 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.min
}

// written records a committed write at p.
func (s *Session) written(p Position) {
	if s == nil {
		return
	}
	s.mu.Lock()
	if p > s.min {
		s.min = p
		s.valid = false // the pool chosen before may not have it yet
	}
	p = s.min
	wrote := s.wrote
	s.mu.Unlock()
	if wrote != nil {
		wrote(p)
	}
}
