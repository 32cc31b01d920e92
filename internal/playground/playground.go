// Package playground serves GraphiQL, the in-browser IDE in which people
// explore the graph by hand: the schema's documentation, autocompletion,
// and example operations ready to run.
//
// Everything the page loads comes from the binary itself: the script and
// stylesheet are built from the graphiql npm package by
// web/playground/build.sh and embedded here, so the playground works offline
// and on a fresh clone without npm, and asks no other host for anything.
package playground

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strings"
	"sync"
	"time"
)

// AssetPath is where the page's script and stylesheet are served; the
// handler answers below it as well as at "/".
const AssetPath = "/playground/assets/"

//go:embed assets
var assetFiles embed.FS

// assets are the embedded files by the URL path they are served at. The
// path carries a hash of the content, so a browser may keep a file for good:
// a new build is a new URL.
var assets = loadAssets()

// asset is one embedded file.
type asset struct {
	url         string // AssetPath + name with the content hash
	contentType string
	body        []byte
	etag        string

	gzipOnce sync.Once
	gzipped  []byte // body compressed on first demand; nil when that does not pay
}

func loadAssets() map[string]*asset {
	names, err := fs.Glob(assetFiles, "assets/*")
	if err != nil {
		panic(fmt.Sprintf("playground: list embedded assets: %v", err))
	}
	m := make(map[string]*asset, len(names))
	for _, name := range names {
		body, err := assetFiles.ReadFile(name)
		if err != nil {
			panic(fmt.Sprintf("playground: read embedded %s: %v", name, err))
		}
		sum := sha256.Sum256(body)
		hash := hex.EncodeToString(sum[:8])
		base := path.Base(name)
		ext := path.Ext(base)
		a := &asset{
			url:         AssetPath + strings.TrimSuffix(base, ext) + "." + hash + ext,
			contentType: mime.TypeByExtension(ext),
			body:        body,
			etag:        `"` + hash + `"`,
		}
		m[base] = a
	}
	return m
}

// assetURL is the hashed URL of the embedded file name. A missing file is a
// broken build (web/playground/build.sh was not run), so it panics at start.
func assetURL(name string) string {
	a, ok := assets[name]
	if !ok {
		panic("playground: embedded asset " + name + " missing; run web/playground/build.sh")
	}
	return a.url
}

var page = template.Must(template.New("page").Funcs(template.FuncMap{"asset": assetURL}).Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>bizgraph playground</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{{asset "playground.css"}}">
<link rel="license" href="{{asset "THIRD_PARTY_LICENSES.txt"}}">
<style>html, body, #graphiql { height: 100%; margin: 0; }</style>
</head>
<body>
<div id="graphiql">Loading the playground…</div>
<noscript>The playground needs JavaScript. The API itself is at {{.Endpoint}}.</noscript>
<script id="playground-config" type="application/json">{{.Config}}</script>
<script type="module" src="{{asset "playground.js"}}"></script>
</body>
</html>
`))

// RoleToken is a development token the page offers as a one-click "act as"
// button (the demo mode's playground only).
type RoleToken struct {
	Role  string `json:"role"`
	Token string `json:"token"`
}

// Handler serves the playground page at "/" and its assets below AssetPath.
// The page talks to the GraphQL API at endpoint (a path such as "/graphql",
// or an absolute URL). With roles, the page shows a button per role that
// sends that role's token with every request; without, callers paste their
// own token into GraphiQL's Headers tab.
func Handler(endpoint string, roles ...RoleToken) http.Handler {
	cfg, err := json.Marshal(struct {
		Endpoint string      `json:"endpoint"`
		Tabs     []Tab       `json:"tabs"`
		Roles    []RoleToken `json:"roles,omitempty"`
	}{endpoint, Examples, roles})
	if err != nil {
		panic(fmt.Sprintf("playground: encode page config: %v", err))
	}
	var buf bytes.Buffer
	// json.Marshal escapes <, > and &, so the config cannot end its script
	// element; template.JS keeps html/template from quoting it again.
	if err := page.Execute(&buf, struct {
		Endpoint string
		Config   template.JS
	}{endpoint, template.JS(cfg)}); err != nil {
		panic(fmt.Sprintf("playground: render page: %v", err))
	}
	return &handler{page: buf.Bytes(), csp: contentSecurityPolicy(endpoint)}
}

type handler struct {
	page []byte
	csp  string
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	switch {
	case r.URL.Path == "/":
		h.servePage(w, r)
	case strings.HasPrefix(r.URL.Path, AssetPath):
		serveAsset(w, r)
	default:
		http.NotFound(w, r)
	}
}

func (h *handler) servePage(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	// The page names the current assets, so it must be fetched anew each
	// time; it is small.
	hd.Set("Cache-Control", "no-cache")
	hd.Set("Content-Security-Policy", h.csp)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(h.page))
}

// contentSecurityPolicy lets the page load code, styles and fonts only from
// this server (GraphiQL's fonts and icons are inlined as data: URLs) and talk
// only to the API: the browser itself then enforces that the playground asks
// no other host for anything.
func contentSecurityPolicy(endpoint string) string {
	connect := "'self'"
	if u, err := url.Parse(endpoint); err == nil && u.Host != "" {
		// The page's subscriptions go to the same host over ws: or wss:.
		ws := "ws"
		if u.Scheme == "https" {
			ws = "wss"
		}
		connect += " " + u.Scheme + "://" + u.Host + " " + ws + "://" + u.Host
	}
	return "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
		"img-src 'self' data:; font-src 'self' data:; connect-src " + connect + "; " +
		"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
}

// assetsByURL finds an asset by the hashed path it is served at.
var assetsByURL = func() map[string]*asset {
	m := make(map[string]*asset, len(assets))
	for _, a := range assets {
		m[a.url] = a
	}
	return m
}()

func serveAsset(w http.ResponseWriter, r *http.Request) {
	a, ok := assetsByURL[r.URL.Path]
	if !ok {
		// An old page may ask for assets of an earlier build: a reload
		// fetches the page that names the current ones.
		http.NotFound(w, r)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", a.contentType)
	hd.Set("Cache-Control", "public, max-age=31536000, immutable")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Add("Vary", "Accept-Encoding")
	body, etag := a.body, a.etag
	if gz := a.gzip(); gz != nil && acceptsGzip(r) {
		hd.Set("Content-Encoding", "gzip")
		body, etag = gz, `"`+strings.Trim(a.etag, `"`)+`-gzip"`
	}
	hd.Set("ETag", etag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

// gzip returns the asset compressed, made once on first demand: the bundle
// shrinks to about a third, which matters for a playground served over a
// real network rather than localhost.
func (a *asset) gzip() []byte {
	a.gzipOnce.Do(func() {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		_, _ = zw.Write(a.body)
		if err := zw.Close(); err == nil && buf.Len() < len(a.body)*9/10 {
			a.gzipped = buf.Bytes()
		}
	})
	return a.gzipped
}

// acceptsGzip reports whether the request's Accept-Encoding allows gzip.
func acceptsGzip(r *http.Request) bool {
	for _, v := range r.Header.Values("Accept-Encoding") {
		for _, part := range strings.Split(v, ",") {
			coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			if strings.EqualFold(strings.TrimSpace(coding), "gzip") && !isQZero(params) {
				return true
			}
		}
	}
	return false
}

// isQZero reports whether the parameters of an Accept-Encoding element say
// q=0, i.e. "not this one".
func isQZero(params string) bool {
	_, q, ok := strings.Cut(strings.ReplaceAll(params, " ", ""), "q=")
	return ok && strings.Trim(q, "0.") == ""
}
