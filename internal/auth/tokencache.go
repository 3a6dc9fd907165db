package auth

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/cache"
)

// fileCache keeps MSAL's token cache in a file only its owner can read (0600, in a 0700
// directory), for MSAL's public client: the login command writes it, each provider process
// reads it and writes back refreshed tokens. A lock file keeps two processes (plan and apply,
// or two provider aliases) from interleaving a read and a write.
type fileCache struct{ path string }

var _ cache.ExportReplace = (*fileCache)(nil)

// Replace loads the file into MSAL's cache; a missing file is an empty cache.
func (f *fileCache) Replace(ctx context.Context, c cache.Unmarshaler, _ cache.ReplaceHints) error {
	unlock, err := lockFile(ctx, f.path+".lock")
	if err != nil {
		return err
	}
	defer unlock()
	b, err := os.ReadFile(f.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return c.Unmarshal(b)
}

// Export writes MSAL's cache to the file, atomically, readable by its owner alone.
func (f *fileCache) Export(ctx context.Context, c cache.Marshaler, _ cache.ExportHints) error {
	b, err := c.Marshal()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(f.path), 0o700); err != nil {
		return err
	}
	unlock, err := lockFile(ctx, f.path+".lock")
	if err != nil {
		return err
	}
	defer unlock()
	tmp, err := os.CreateTemp(filepath.Dir(f.path), ".tokens-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), f.path)
}

// lockTimeout bounds the wait for another process's lock; staleLock is the age at which a
// lock left by a killed process is broken.
const (
	lockTimeout = 10 * time.Second
	staleLock   = 30 * time.Second
)

// lockFile takes an exclusive lock by creating path (O_EXCL works the same on every system
// the provider is released for) and returns its release.
func lockFile(ctx context.Context, path string) (func(), error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	deadline := time.Now().Add(lockTimeout)
	for {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err == nil {
			f.Close()
			return func() { os.Remove(path) }, nil
		}
		if !errors.Is(err, os.ErrExist) {
			return nil, err
		}
		if fi, serr := os.Stat(path); serr == nil && time.Since(fi.ModTime()) > staleLock {
			os.Remove(path) // left behind by a process that was killed while holding it
			continue
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("token cache %s is locked by another process (remove it if none is running)", path)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}
