package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/bizgraph/bizgraph/internal/database"
)

// KeyPrefix starts every API key, so a bearer credential is told from a JWT
// at a glance (and secret scanners can find leaked keys).
const KeyPrefix = "bzk_"

// APIKey is a tool's credential, as listed (the key itself is never
// stored, only its hash).
type APIKey struct {
	ID        int64      `gorm:"column:id"`
	Name      string     `gorm:"column:name"`
	Role      Role       `gorm:"column:role"`
	CreatedAt time.Time  `gorm:"column:created_at"`
	RevokedAt *time.Time `gorm:"column:revoked_at"`
}

// APIKeys creates, lists, revokes and checks API keys in the api_keys table.
type APIKeys struct{ db *database.DB }

// NewAPIKeys returns the API keys kept in db.
func NewAPIKeys(db *database.DB) *APIKeys { return &APIKeys{db: db} }

func hashKey(key string) []byte {
	h := sha256.Sum256([]byte(key))
	return h[:]
}

// Create makes a key for a tool and returns it: the only time it is seen.
func (k *APIKeys) Create(ctx context.Context, name string, role Role) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", errors.New("an API key needs a name (--name)")
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("make API key: %w", err)
	}
	key := KeyPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	err := k.db.WithContext(ctx).Exec(`INSERT INTO api_keys (name, role, key_hash) VALUES (?, ?, ?)`,
		name, string(role), hashKey(key)).Error
	if err != nil {
		return "", fmt.Errorf("store API key %q (names are unique): %w", name, err)
	}
	return key, nil
}

// List returns every key, revoked ones included, oldest first.
func (k *APIKeys) List(ctx context.Context) ([]APIKey, error) {
	var keys []APIKey
	err := k.db.WithContext(ctx).Raw(`SELECT id, name, role, created_at, revoked_at FROM api_keys ORDER BY id`).
		Scan(&keys).Error
	if err != nil {
		return nil, fmt.Errorf("list API keys: %w", err)
	}
	return keys, nil
}

// RevocationChannel is the PostgreSQL notification channel a revoked
// key's subject is sent on, when its revocation commits: the servers
// close the connections (websockets, event streams) it opened, which
// outlive the request that checked it.
const RevocationChannel = "bizgraph_revocations"

// Revoke ends the key named name at once: the next request with it is
// refused, and the connections open with it are closed
// (RevocationChannel).
func (k *APIKeys) Revoke(ctx context.Context, name string) error {
	res := k.db.WithContext(ctx).Exec(`WITH revoked AS (
		UPDATE api_keys SET revoked_at = now() WHERE name = ? AND revoked_at IS NULL RETURNING name)
		SELECT pg_notify(?, 'apikey:' || name) FROM revoked`, name, RevocationChannel)
	if res.Error != nil {
		return fmt.Errorf("revoke API key %q: %w", name, res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("no unrevoked API key is named %q", name)
	}
	return nil
}

// identify returns the identity of a live key. Keys are checked against
// the table on every request (one indexed lookup), so a revocation holds
// from the next request on.
func (k *APIKeys) identify(ctx context.Context, key string) (*Identity, error) {
	var rows []APIKey
	err := k.db.WithContext(ctx).Raw(`SELECT id, name, role, created_at, revoked_at FROM api_keys WHERE key_hash = ?`,
		hashKey(key)).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("look up API key: %w", err)
	}
	if len(rows) == 0 {
		return nil, errUnauthenticated("the API key is not known")
	}
	if rows[0].RevokedAt != nil {
		return nil, errUnauthenticated("the API key has been revoked")
	}
	role, ok := ParseRole(string(rows[0].Role))
	if !ok {
		return nil, errUnauthenticated("the API key's role is not known")
	}
	return &Identity{Subject: "apikey:" + rows[0].Name, Roles: []Role{role}}, nil
}
