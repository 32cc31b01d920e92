package pgembed

import (
	"cmp"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// FindBinaries returns a directory holding initdb and postgres: configured
// if it is set; else the first that has them of: where pg_ctl or postgres
// on PATH really live, Debian's /usr/lib/postgresql/<major>/bin (highest
// major first), Homebrew's postgresql@<major> kegs, /opt/homebrew/bin and
// /usr/local/bin; else a build downloaded once into a cache directory.
func FindBinaries(configured string) (dir string, err error) {
	if configured != "" {
		if err := hasBinaries(configured); err != nil {
			return "", fmt.Errorf("PostgreSQL binaries in %s: %w", configured, err)
		}
		return filepath.Abs(configured)
	}
	searched := searchDirs()
	for _, dir := range searched {
		if hasBinaries(dir) == nil {
			return dir, nil
		}
	}
	dir, err = download()
	if err != nil {
		return "", fmt.Errorf("no PostgreSQL binaries found in %s; download failed: %w; install postgresql or set --pg-bin-dir",
			strings.Join(searched, ", "), err)
	}
	return dir, nil
}

// searchDirs lists where FindBinaries looks, in order, without repeats.
func searchDirs() []string {
	var dirs []string
	for _, name := range []string{"pg_ctl", "postgres"} {
		if path, err := exec.LookPath(name); err == nil {
			// Follow symlinks (/usr/local/bin/postgres is often one into
			// /usr/lib/postgresql/15/bin) to the directory where initdb
			// sits beside the postgres of its own version.
			if real, err := filepath.EvalSymlinks(path); err == nil {
				path = real
			}
			dirs = append(dirs, filepath.Dir(path))
		}
	}
	dirs = append(dirs, byMajorDesc("/usr/lib/postgresql/*/bin")...)
	dirs = append(dirs, byMajorDesc("/opt/homebrew/opt/postgresql@*/bin")...)
	dirs = append(dirs, byMajorDesc("/usr/local/opt/postgresql@*/bin")...)
	dirs = append(dirs, "/opt/homebrew/bin", "/usr/local/bin")
	var unique []string
	for _, d := range dirs {
		if !slices.Contains(unique, d) {
			unique = append(unique, d)
		}
	}
	return unique
}

// byMajorDesc returns the directories matching pattern, whose one "*"
// stands for a PostgreSQL version, newest major version first.
func byMajorDesc(pattern string) []string {
	matches, _ := filepath.Glob(pattern) // the only error is a bad pattern
	prefix := pattern[:strings.Index(pattern, "*")]
	major := func(path string) int {
		v := strings.TrimPrefix(path, prefix)
		end := strings.IndexFunc(v, func(r rune) bool { return r < '0' || r > '9' })
		if end < 0 {
			end = len(v)
		}
		n, _ := strconv.Atoi(v[:end])
		return n
	}
	slices.SortStableFunc(matches, func(a, b string) int { return cmp.Compare(major(b), major(a)) })
	return matches
}

// hasBinaries checks that dir holds the programs Start runs.
func hasBinaries(dir string) error {
	for _, name := range []string{"initdb", "postgres"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		if !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0 {
			return fmt.Errorf("%s is not an executable file", filepath.Join(dir, name))
		}
	}
	return nil
}

// HasLibrary reports whether the PostgreSQL whose programs are in binDir
// has the loadable module name (pg_stat_statements, say): a server told to
// preload a module it lacks refuses to start. Packagers put modules in
// lib/postgresql (Homebrew, builds under a plain prefix) or in lib
// (Debian's /usr/lib/postgresql/<major>/lib).
func HasLibrary(binDir, name string) bool {
	for _, sub := range []string{"lib/postgresql", "lib"} {
		for _, ext := range []string{".so", ".dylib"} {
			if fi, err := os.Stat(filepath.Join(binDir, "..", sub, name+ext)); err == nil && fi.Mode().IsRegular() {
				return true
			}
		}
	}
	return false
}
