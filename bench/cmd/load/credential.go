package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/bizgraph/bizgraph/internal/auth"
)

// The roles an operation's requests may carry (its "role").
const (
	roleManager = "manager"
	roleAdmin   = "admin"
)

// The API refuses requests without a credential. The benchmark's API
// server gets a JWT secret of this run's own, and every request carries a
// token signed with it, so verifying it is part of what is measured, as in
// production. Reads carry a manager's, because the analytics operations
// value hours at bill rates (the analytics role would have to send them
// by id); the other reads read nothing sensitive. Writes carry an
// admin's: the rules let an admin log anyone's time and move any project,
// so a workload can spread its writes over many employees and projects.
var credential = func() struct {
	jwt     auth.JWTConfig
	env     string            // the server's setting
	headers map[string]string // the requests' Authorization header by role
} {
	var b [32]byte
	_, _ = rand.Read(b[:])
	jc := auth.JWTConfig{Secret: hex.EncodeToString(b[:])}
	headers := map[string]string{}
	for role := range roles {
		h, err := mint(jc, role, 0)
		if err != nil {
			panic(err.Error())
		}
		headers[role] = h
	}
	return struct {
		jwt     auth.JWTConfig
		env     string
		headers map[string]string
	}{jc, "JWT_SECRET=" + jc.Secret, headers}
}()

var roles = map[string]auth.Role{roleManager: auth.Manager, roleAdmin: auth.Admin}

// mint is the Authorization header of a token of role signed with jc,
// acting as employee (0: no one; a page scoped to a manager's line needs
// one, spec.Employee).
func mint(jc auth.JWTConfig, role string, employee int64) (string, error) {
	tok, err := auth.Mint(jc, auth.MintOptions{Subject: "bench-" + role, Roles: []auth.Role{roles[role]}, TTL: 24 * time.Hour,
		EmployeeID: employee})
	if err != nil {
		return "", fmt.Errorf("mint the benchmark's %s token: %w", role, err)
	}
	return "Bearer " + tok, nil
}

// authorization is the Authorization header of op's requests.
func (op *operation) authorization() string {
	if op.header != "" {
		return op.header
	}
	if h, ok := credential.headers[op.Role]; ok {
		return h
	}
	return credential.headers[roleManager]
}

// authenticator accepts the benchmark's tokens, as the server does.
func authenticator(ctx context.Context) (*auth.Authenticator, error) {
	return auth.New(ctx, auth.Config{JWT: credential.jwt})
}
