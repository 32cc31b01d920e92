package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"time"

	"github.com/bizgraph/bizgraph/internal/auth"
)

// The API refuses requests without a credential. The benchmark's API
// server gets a JWT secret of this run's own, and every request carries a
// manager's token signed with it, so verifying it is part of what is
// measured, as in production. Manager, because the analytics operations
// value hours at bill rates (the analytics role would have to send them
// by id); the other operations read nothing sensitive.
var credential = func() struct {
	jwt    auth.JWTConfig
	env    string // the server's setting
	header string // the requests' Authorization header
} {
	var b [32]byte
	_, _ = rand.Read(b[:])
	jc := auth.JWTConfig{Secret: hex.EncodeToString(b[:])}
	tok, err := auth.Mint(jc, auth.MintOptions{Subject: "bench", Roles: []auth.Role{auth.Manager}, TTL: 24 * time.Hour})
	if err != nil {
		panic("bench: mint the benchmark's token: " + err.Error())
	}
	return struct {
		jwt    auth.JWTConfig
		env    string
		header string
	}{jc, "JWT_SECRET=" + jc.Secret, "Bearer " + tok}
}()

// authenticator accepts the benchmark's token, as the server does.
func authenticator(ctx context.Context) (*auth.Authenticator, error) {
	return auth.New(ctx, auth.Config{JWT: credential.jwt})
}
