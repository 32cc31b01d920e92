package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/peterbourgon/ff/v3"
	"github.com/peterbourgon/ff/v3/ffcli"

	"github.com/bizgraph/bizgraph/internal/audit"
	"github.com/bizgraph/bizgraph/internal/auth"
	"github.com/bizgraph/bizgraph/internal/database"
	"github.com/bizgraph/bizgraph/internal/playground"
	"github.com/bizgraph/bizgraph/internal/policy"
)

// authConfig are the settings of authentication (README, "Who may see
// what").
type authConfig struct {
	JWTSecret, JWTJWKSURL, JWTIssuer, JWTAudience      string
	JWTSubjectClaim, JWTRolesClaim, JWTEmployeeIDClaim string
	JWTMaxLifetime                                     time.Duration
}

func (c *authConfig) register(fs *flag.FlagSet) {
	fs.StringVar(&c.JWTSecret, "jwt-secret", "", "HS256 secret (32+ bytes) bearer tokens are verified with; empty: HS256 not accepted")
	fs.StringVar(&c.JWTJWKSURL, "jwt-jwks-url", "", "JWKS (http(s) URL or file) RS256/ES256 tokens are verified with; empty: not accepted")
	fs.StringVar(&c.JWTIssuer, "jwt-issuer", "", "required iss of bearer tokens; empty: not checked")
	fs.StringVar(&c.JWTAudience, "jwt-audience", "", "required aud of bearer tokens; empty: not checked")
	fs.StringVar(&c.JWTSubjectClaim, "jwt-subject-claim", "sub", "claim naming the caller")
	fs.StringVar(&c.JWTRolesClaim, "jwt-roles-claim", "roles", "claim with the caller's roles (array of viewer, manager, hr, analytics, admin)")
	fs.DurationVar(&c.JWTMaxLifetime, "jwt-max-lifetime", auth.DefaultMaxLifetime, "longest a bearer token may be valid (exp after iat, or after now); longer tokens are refused")
	fs.StringVar(&c.JWTEmployeeIDClaim, "jwt-employee-id-claim", "employee_id", "claim with the caller's employee id (a manager's reporting line)")
}

func (c *authConfig) jwt() auth.JWTConfig {
	return auth.JWTConfig{Secret: c.JWTSecret, JWKS: c.JWTJWKSURL, Issuer: c.JWTIssuer, Audience: c.JWTAudience,
		SubjectClaim: c.JWTSubjectClaim, RolesClaim: c.JWTRolesClaim, EmployeeIDClaim: c.JWTEmployeeIDClaim,
		MaxLifetime: c.JWTMaxLifetime}
}

// security is what serve needs of authentication, authorization and audit.
type security struct {
	auth   *auth.Authenticator
	policy *policy.Policy
	audit  *audit.Log
	roles  []playground.RoleToken // the demo playground's role buttons
}

// setupSecurity builds the authenticator, the policy and the audit log. In
// the demo mode (the embedded database) a request without credentials acts
// as a viewer, and the playground gets a development token per role; with
// DATABASE_URL every request needs a credential.
func setupSecurity(ctx context.Context, cfg *config, t *target, db *database.DB, log *slog.Logger) (*security, error) {
	jc := cfg.Auth.jwt()
	demo := t.embedded != nil
	var anonymous *auth.Identity
	if demo {
		anonymous = &auth.Identity{Subject: "anonymous", Roles: []auth.Role{auth.Viewer}, Anonymous: true}
		if jc.Secret != "" {
			log.Warn("DEMO MODE: JWT_SECRET is not used; tokens are signed and verified with a key of this process's own")
		}
		jc = demoJWT(jc)
		log.Warn("DEMO MODE: the API is OPEN: requests without credentials act as viewer, and the playground " +
			"hands out a token for every role. Set DATABASE_URL to serve a real database, where every request needs a credential.")
	} else if jc.Secret == "" && jc.JWKS == "" {
		log.Warn("no JWT_SECRET or JWT_JWKS_URL: only API keys are accepted (bizgraph apikey create)")
	}
	a, err := auth.New(ctx, auth.Config{JWT: jc, Keys: auth.NewAPIKeys(db), Anonymous: anonymous})
	if err != nil {
		return nil, err
	}
	al, err := audit.Open(ctx, t.url, log)
	if err != nil {
		return nil, err
	}
	sec := &security{auth: a, policy: policy.New(al), audit: al}
	if demo {
		if sec.roles, err = demoTokens(ctx, jc, db); err != nil {
			_ = al.Close(ctx)
			return nil, err
		}
	}
	return sec, nil
}

// demoJWT is jc with a secret of this process's own. The playground's role
// tokens, admin included, are handed to anyone who opens it, so they are
// never signed with JWT_SECRET: they are accepted by this demo server only
// and die with it.
func demoJWT(jc auth.JWTConfig) auth.JWTConfig {
	var b [32]byte
	_, _ = rand.Read(b[:])
	jc.Secret = hex.EncodeToString(b[:])
	return jc
}

// demoTokens mints a token per role for the demo playground, each person's
// role acting as an employee of the demo data (playground.FindCast), so a
// visitor can try the writes and the workflows as each one.
func demoTokens(ctx context.Context, jc auth.JWTConfig, db *database.DB) ([]playground.RoleToken, error) {
	employee, err := playground.FindCast(ctx, db)
	if err != nil {
		return nil, err
	}
	var out []playground.RoleToken
	for _, r := range auth.Roles {
		o := auth.MintOptions{Subject: "demo-" + string(r), Roles: []auth.Role{r}, TTL: 24 * time.Hour, EmployeeID: employee[r]}
		tok, err := auth.Mint(jc, o)
		if err != nil {
			return nil, err
		}
		out = append(out, playground.RoleToken{Role: string(r), Token: tok})
	}
	return out, nil
}

// authCommands are `bizgraph token` and `bizgraph apikey`.
func authCommands(cfg *config, newFlags func(string) *flag.FlagSet, opts []ff.Option) []*ffcli.Command {
	tokenFS := newFlags("token")
	roles := tokenFS.String("role", "viewer", "role(s) of the token, comma-separated: viewer, manager, hr, analytics, admin")
	employeeID := tokenFS.Int64("employee-id", 0, "the caller's employee id (a manager's reporting line starts there)")
	subject := tokenFS.String("subject", "dev", "the token's subject")
	ttl := tokenFS.Duration("ttl", 12*time.Hour, "how long the token is valid")
	token := &ffcli.Command{
		Name: "token", ShortUsage: "bizgraph token --role hr [--employee-id 12] [--ttl 12h] [flags]",
		ShortHelp: "print a development token signed with JWT_SECRET",
		FlagSet:   tokenFS, Options: opts,
		Exec: func(context.Context, []string) error {
			o := auth.MintOptions{Subject: *subject, EmployeeID: *employeeID, TTL: *ttl}
			for _, name := range strings.Split(*roles, ",") {
				r, ok := auth.ParseRole(name)
				if !ok {
					return fmt.Errorf("--role: %q is not viewer, manager, hr, analytics or admin", name)
				}
				o.Roles = append(o.Roles, r)
			}
			tok, err := auth.Mint(cfg.Auth.jwt(), o)
			if err != nil {
				return err
			}
			fmt.Println(tok)
			return nil
		},
	}

	createFS := newFlags("apikey create")
	name := createFS.String("name", "", "what the key is for, unique (e.g. reporting-tool)")
	role := createFS.String("role", "analytics", "the key's role: viewer, manager, hr, analytics, admin, integration")
	revokeFS := newFlags("apikey revoke")
	revokeName := revokeFS.String("name", "", "the name of the key to revoke")
	apikey := &ffcli.Command{
		Name: "apikey", ShortUsage: "bizgraph apikey create|list|revoke [flags]",
		ShortHelp: "manage the API keys tools authenticate with",
		FlagSet:   newFlags("apikey"), Options: opts,
		Exec: func(context.Context, []string) error { return flag.ErrHelp },
		Subcommands: []*ffcli.Command{
			{Name: "create", ShortUsage: "bizgraph apikey create --name N --role R", ShortHelp: "create a key and print it (shown only once)",
				FlagSet: createFS, Options: opts, Exec: func(ctx context.Context, _ []string) error {
					r, ok := auth.ParseRole(*role)
					if !ok {
						return fmt.Errorf("--role: %q is not viewer, manager, hr, analytics or admin", *role)
					}
					return withAPIKeys(ctx, cfg, func(k *auth.APIKeys) error {
						key, err := k.Create(ctx, *name, r)
						if err == nil {
							fmt.Println(key)
							fmt.Fprintln(os.Stderr, "send it as: Authorization: Bearer <key>; it is not shown again")
						}
						return err
					})
				}},
			{Name: "list", ShortUsage: "bizgraph apikey list", ShortHelp: "list the keys (never the keys themselves)",
				FlagSet: newFlags("apikey list"), Options: opts, Exec: func(ctx context.Context, _ []string) error {
					return withAPIKeys(ctx, cfg, func(k *auth.APIKeys) error { return listKeys(ctx, k) })
				}},
			{Name: "revoke", ShortUsage: "bizgraph apikey revoke --name N", ShortHelp: "revoke a key: refused from the next request on",
				FlagSet: revokeFS, Options: opts, Exec: func(ctx context.Context, _ []string) error {
					return withAPIKeys(ctx, cfg, func(k *auth.APIKeys) error { return k.Revoke(ctx, *revokeName) })
				}},
		},
	}
	return []*ffcli.Command{token, apikey}
}

func listKeys(ctx context.Context, k *auth.APIKeys) error {
	keys, err := k.List(ctx)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "NAME\tROLE\tCREATED\tREVOKED")
	for _, key := range keys {
		revoked := "-"
		if key.RevokedAt != nil {
			revoked = key.RevokedAt.Format(time.RFC3339)
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", key.Name, key.Role, key.CreatedAt.Format(time.RFC3339), revoked)
	}
	return w.Flush()
}

// withAPIKeys runs f on the API keys of the command's database.
func withAPIKeys(ctx context.Context, cfg *config, f func(*auth.APIKeys) error) error {
	err := withDatabase(ctx, cfg, func(db *database.DB) error { return f(auth.NewAPIKeys(db)) })
	if err != nil && strings.Contains(err.Error(), "api_keys") && strings.Contains(err.Error(), "does not exist") {
		return errors.New("the database has no api_keys table yet: run `bizgraph migrate up`")
	}
	return err
}
