package pgembed

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// The last resort of FindBinaries, for machines without PostgreSQL: a build
// from zonky's embedded-postgres-binaries on Maven Central, made to be
// unpacked anywhere and run. It needs the network, so the tests never get
// here.
const (
	zonkyVersion = "17.5.0"
	mavenCentral = "https://repo1.maven.org/maven2"
)

// download fetches and unpacks the build into a cache directory, once, and
// returns its bin directory.
func download() (string, error) {
	platform, err := zonkyPlatform()
	if err != nil {
		return "", err
	}
	cache := cacheDir()
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return "", fmt.Errorf("create cache directory: %w", err)
	}
	dir := filepath.Join(cache, "postgres-"+zonkyVersion+"-"+platform)
	bin := filepath.Join(dir, "bin")
	if hasBinaries(bin) == nil {
		return bin, nil
	}
	tmp, err := os.MkdirTemp(cache, ".download-")
	if err != nil {
		return "", fmt.Errorf("create download directory: %w", err)
	}
	defer os.RemoveAll(tmp)

	// The jar is a zip holding one .txz, the build itself.
	artifact := "embedded-postgres-binaries-" + platform
	url := fmt.Sprintf("%s/io/zonky/test/postgres/%s/%s/%s-%s.jar", mavenCentral, artifact, zonkyVersion, artifact, zonkyVersion)
	jar := filepath.Join(tmp, "binaries.jar")
	if err := fetch(url, jar); err != nil {
		return "", err
	}
	txz := filepath.Join(tmp, "postgres.txz")
	if err := extractTxz(jar, txz); err != nil {
		return "", fmt.Errorf("%s: %w", url, err)
	}
	unpacked := filepath.Join(tmp, "postgres")
	if err := os.Mkdir(unpacked, 0o755); err != nil {
		return "", err
	}
	// Go's standard library reads no xz; tar (GNU or BSD) does. The files
	// must not keep the archive's owners when we are root.
	if out, err := exec.Command("tar", "--no-same-owner", "-xJf", txz, "-C", unpacked).CombinedOutput(); err != nil {
		return "", fmt.Errorf("unpack %s: %w: %s", url, err, out)
	}
	// Another process may have unpacked the same build meanwhile.
	if err := os.Rename(unpacked, dir); err != nil && hasBinaries(bin) != nil {
		return "", fmt.Errorf("install downloaded binaries: %w", err)
	}
	return bin, hasBinaries(bin)
}

// zonkyPlatform names this machine as zonky's artifacts do.
func zonkyPlatform() (string, error) {
	arch, ok := map[string]string{
		"amd64": "amd64", "arm64": "arm64v8", "386": "i386", "arm": "arm32v7", "ppc64le": "ppc64le",
	}[runtime.GOARCH]
	if !ok || (runtime.GOOS != "linux" && runtime.GOOS != "darwin") {
		return "", fmt.Errorf("no build for %s/%s", runtime.GOOS, runtime.GOARCH)
	}
	platform := runtime.GOOS + "-" + arch
	// Alpine's musl cannot run builds made for glibc.
	if _, err := os.Stat("/etc/alpine-release"); err == nil {
		platform += "-alpine"
	}
	return platform, nil
}

// cacheDir is where downloaded builds live. Root's own cache (/root/.cache)
// is out of reach of the account PostgreSQL runs as, so root uses a
// system-wide one.
func cacheDir() string {
	if os.Geteuid() == 0 {
		return "/var/cache/bizgraph"
	}
	if dir, err := os.UserCacheDir(); err == nil {
		return filepath.Join(dir, "bizgraph")
	}
	return filepath.Join(os.TempDir(), "bizgraph-cache")
}

func fetch(url, path string) error {
	client := http.Client{Timeout: 5 * time.Minute}
	resp, err := client.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		_ = f.Close()
		return fmt.Errorf("GET %s: %w", url, err)
	}
	return f.Close()
}

// extractTxz copies the .txz inside the jar to path.
func extractTxz(jar, path string) error {
	zr, err := zip.OpenReader(jar)
	if err != nil {
		return err
	}
	defer zr.Close()
	for _, f := range zr.File {
		if !strings.HasSuffix(f.Name, ".txz") {
			continue
		}
		r, err := f.Open()
		if err != nil {
			return err
		}
		defer r.Close()
		out, err := os.Create(path)
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, r); err != nil {
			_ = out.Close()
			return err
		}
		return out.Close()
	}
	return errors.New("no .txz in the jar")
}
