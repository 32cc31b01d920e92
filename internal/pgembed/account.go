package pgembed

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
)

// account is the unprivileged user PostgreSQL runs as when we are root:
// initdb and postgres refuse to run as root.
type account struct {
	name   string
	uid    uint32
	gid    uint32
	groups []uint32 // supplementary groups
}

// serverAccount returns the account to run PostgreSQL as when we are root:
// the postgres system user if there is one, else nobody. It returns nil,
// meaning "as ourselves", for anyone else.
func serverAccount() (*account, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	var errs []error
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		return newAccount(u)
	}
	return nil, fmt.Errorf("PostgreSQL refuses to run as root, and there is no user to run it as: %w", errors.Join(errs...))
}

func newAccount(u *user.User) (*account, error) {
	parse := func(id string) (uint32, error) {
		n, err := strconv.ParseUint(id, 10, 32)
		if err != nil {
			return 0, fmt.Errorf("user %s: id %q: %w", u.Username, id, err)
		}
		return uint32(n), nil
	}
	uid, err := parse(u.Uid)
	if err != nil {
		return nil, err
	}
	gid, err := parse(u.Gid)
	if err != nil {
		return nil, err
	}
	a := &account{name: u.Username, uid: uid, gid: gid}
	gids, err := u.GroupIds()
	if err != nil {
		return nil, fmt.Errorf("user %s: groups: %w", u.Username, err)
	}
	for _, g := range gids {
		id, err := parse(g)
		if err != nil {
			return nil, err
		}
		a.groups = append(a.groups, id)
	}
	return a, nil
}

// credential is what the PostgreSQL programs run as; nil for ourselves.
func (a *account) credential() *syscall.Credential {
	if a == nil {
		return nil
	}
	return &syscall.Credential{Uid: a.uid, Gid: a.gid, Groups: a.groups}
}

// checkReachable returns an error naming the first directory on the way to
// path that the account may not pass through (search). Root can pass
// anywhere, the account cannot: a data directory under /root (mode 0700)
// is the usual case. Only the mode bits are consulted, not ACLs.
func (a *account) checkReachable(path string) error {
	if a == nil {
		return nil
	}
	for dir := filepath.Dir(path); ; dir = filepath.Dir(dir) {
		fi, err := os.Stat(dir)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			// prepareDataDir creates it, open to all.
		case err != nil:
			return fmt.Errorf("check access to %s: %w", path, err)
		default:
			if st, ok := fi.Sys().(*syscall.Stat_t); ok && !a.canSearch(fi.Mode(), st.Uid, st.Gid) {
				return fmt.Errorf("PostgreSQL refuses to run as root, so it runs as user %q, which cannot reach %s: "+
					"%s (%v, owner uid %d) does not let it through; use a directory it can reach "+
					"(for example under /var/lib or /srv), or let it through with: chmod o+x %s",
					a.name, path, dir, fi.Mode(), st.Uid, dir)
			}
		}
		if dir == filepath.Dir(dir) {
			return nil
		}
	}
}

// canSearch applies the permission bits that the kernel applies: the
// owner's if the account owns the directory, else the group's if it is in
// the group, else everyone's.
func (a *account) canSearch(mode fs.FileMode, uid, gid uint32) bool {
	switch {
	case uid == a.uid:
		return mode&0o100 != 0
	case gid == a.gid || slices.Contains(a.groups, gid):
		return mode&0o010 != 0
	default:
		return mode&0o001 != 0
	}
}

// prepareDataDir creates the data directory if missing and, when PostgreSQL
// runs as another account, hands it over. It returns the directory's
// absolute path with symlinks resolved, as the server's processes see it.
func prepareDataDir(dir string, acct *account) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("data directory: %w", err)
	}
	// Before creating anything, so that a refusal leaves nothing behind.
	if err := acct.checkReachable(dir); err != nil {
		return "", err
	}
	// Parents we create must let the server's account through; the data
	// directory itself must be private (postgres insists on 0700 or 0750).
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return "", fmt.Errorf("create data directory: %w", err)
	}
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return "", fmt.Errorf("create data directory: %w", err)
	}
	if dir, err = filepath.EvalSymlinks(dir); err != nil {
		return "", fmt.Errorf("data directory: %w", err)
	}
	if acct == nil {
		return dir, nil
	}
	// Again, for where symlinks really lead.
	if err := acct.checkReachable(dir); err != nil {
		return "", err
	}
	return dir, acct.own(dir)
}

// own gives dir and everything in it to the account, unless dir is its
// already (then the account created the rest).
func (a *account) own(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && st.Uid == a.uid {
		return nil
	}
	err = filepath.WalkDir(dir, func(path string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(path, int(a.uid), int(a.gid))
	})
	if err != nil {
		return fmt.Errorf("give data directory to user %s: %w", a.name, err)
	}
	return nil
}

// lockDataDir takes an exclusive lock on the data directory, held for as
// long as the returned file is open. The kernel drops it when we exit,
// however we exit, and PostgreSQL's processes do not inherit it (the file
// is close-on-exec). So holding it means no live Server owns the
// directory, and a postgres still running there is a leftover.
func lockDataDir(dir string) (*os.File, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("lock data directory: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		_ = f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("data directory %s is in use by another running server", dir)
		}
		return nil, fmt.Errorf("lock data directory: %w", err)
	}
	return f, nil
}
