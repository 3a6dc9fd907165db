// Package atomicfile writes files so that a reader never sees half of one:
// a CI step sourcing the emulator's env file, a client loading its CA.
package atomicfile

import (
	"os"
	"path/filepath"
)

// Write writes data to a temporary file beside path and renames it into
// place with the given permissions.
func Write(path string, data []byte, perm os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // no-op after a successful rename
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(perm); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
