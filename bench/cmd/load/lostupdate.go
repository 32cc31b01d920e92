package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bizgraph/bizgraph/internal/store"
)

// lostUpdate is an operation's lost-update check (its "lost_update"), not
// a timed run: Writers clients update the one project SQL returns,
// Attempts times each, every attempt with the version just read (a read,
// then the update; a CONFLICT makes the next attempt read again). Were an
// update lost, two writers would both succeed from one version: the final
// version would fall short of the initial one plus the successes.
type lostUpdate struct {
	Writers  int    `json:"writers"`
	Attempts int    `json:"attempts"`
	SQL      string `json:"sql"` // the project's key
}

// lostUpdateResult is what the check found.
type lostUpdateResult struct {
	Operation      string  `json:"operation"`
	Project        string  `json:"project"`
	Writers        int     `json:"writers"`
	Attempts       int     `json:"attempts"`
	Successes      int     `json:"successes"`
	Conflicts      int     `json:"conflicts"`
	Other          int     `json:"other"` // answers neither a success nor a CONFLICT
	FirstOther     string  `json:"first_other,omitempty"`
	InitialVersion int64   `json:"initial_version"`
	FinalVersion   int64   `json:"final_version"`
	Seconds        float64 `json:"seconds"`
	Held           bool    `json:"held"` // successes + conflicts == attempts and final == initial + successes
	Error          string  `json:"error,omitempty"`
}

// versionQuery reads a project's version, as a client reads before it
// writes.
const versionQuery = `query ProjectVersion($id: ID!) { node(id: $id) { ... on Project { version } } }`

// checkLostUpdates runs the lost-update check of every operation that
// asks for one, against the API.
func checkLostUpdates(ctx context.Context, dbURL string, api *server, ops []*operation) ([]lostUpdateResult, error) {
	var out []lostUpdateResult
	for _, op := range ops {
		if op.LostUpdate == nil {
			continue
		}
		r, err := runLostUpdate(ctx, dbURL, api, op)
		if err != nil {
			r.Error = err.Error()
		}
		log.Printf("%s: lost-update check: %d writers × %d attempts: %d successes + %d conflicts + %d other; version %d → %d; %s",
			op.Name, r.Writers, op.LostUpdate.Attempts, r.Successes, r.Conflicts, r.Other, r.InitialVersion, r.FinalVersion,
			map[bool]string{true: "no update lost", false: "FAILED"}[r.Held])
		if r.Error != "" {
			log.Printf("  %s", r.Error)
		}
		out = append(out, r)
		if ctx.Err() != nil {
			return out, ctx.Err()
		}
	}
	return out, nil
}

func runLostUpdate(ctx context.Context, dbURL string, api *server, op *operation) (lostUpdateResult, error) {
	lu := op.LostUpdate
	r := lostUpdateResult{Operation: op.Name, Writers: lu.Writers, Attempts: lu.Writers * lu.Attempts}
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return r, fmt.Errorf("connect to the benchmark database: %w", err)
	}
	defer conn.Close(ctx)
	var key int64
	if err := conn.QueryRow(ctx, lu.SQL).Scan(&key); err != nil {
		return r, fmt.Errorf("lost_update sql: %w", err)
	}
	r.Project = store.GlobalID("Project", key)
	version := func() (int64, error) {
		var v int64
		err := conn.QueryRow(ctx, "SELECT version FROM projects WHERE id = $1", key).Scan(&v)
		return v, err
	}
	if r.InitialVersion, err = version(); err != nil {
		return r, fmt.Errorf("read the initial version: %w", err)
	}

	client := newClient(lu.Writers)
	defer client.CloseIdleConnections()
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := time.Now()
	for w := range lu.Writers {
		wg.Go(func() {
			for a := range lu.Attempts {
				outcome, detail := attemptUpdate(client, api.url, op, r.Project, fmt.Sprintf("lost-update check: writer %d, attempt %d", w, a))
				mu.Lock()
				switch outcome {
				case "success":
					r.Successes++
				case "conflict":
					r.Conflicts++
				default:
					r.Other++
					if r.FirstOther == "" {
						r.FirstOther = detail
					}
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	r.Seconds = time.Since(start).Seconds()
	if r.FinalVersion, err = version(); err != nil {
		return r, fmt.Errorf("read the final version: %w", err)
	}
	r.Held = r.Other == 0 && r.Successes+r.Conflicts == r.Attempts && r.FinalVersion == r.InitialVersion+int64(r.Successes)
	return r, nil
}

// attemptUpdate reads the project's version and updates its description
// by it: "success", "conflict" or what else happened.
func attemptUpdate(client *http.Client, url string, op *operation, project, description string) (string, string) {
	read, err := json.Marshal(map[string]any{"query": versionQuery, "variables": map[string]any{"id": project}})
	if err != nil {
		return "other", err.Error()
	}
	status, body, err := postBody(client, url, op.authorization(), read)
	if err != nil || status != 200 {
		return "other", fmt.Sprintf("read: status %d, %v: %.200s", status, err, body)
	}
	var got struct {
		Data struct {
			Node struct {
				Version *int64 `json:"version"`
			} `json:"node"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &got); err != nil || got.Data.Node.Version == nil {
		return "other", fmt.Sprintf("read: no version in %.200s", body)
	}
	update, err := json.Marshal(map[string]any{"query": op.text, "variables": map[string]any{"input": map[string]any{
		"id": project, "version": *got.Data.Node.Version, "description": description}}})
	if err != nil {
		return "other", err.Error()
	}
	status, body, err = postBody(client, url, op.authorization(), update)
	if err != nil {
		return "other", err.Error()
	}
	ans := readMove(body)
	if ans.moved(status) != nil {
		return "success", ""
	}
	if _, ok := ans.conflict(); ok {
		return "conflict", ""
	}
	return "other", fmt.Sprintf("update: status %d: %.200s", status, body)
}
